import type { Got, OptionsInit, Response, RetryObject } from 'got';
import PQueue from 'p-queue';
import type { PluginLogger } from '../../src/sdk/index.js';
import type { CustomSettings, QueryPairs } from './custom-config.js';
import { CustomIntegrationError } from './custom-error.js';
import { describeUrl, excerpt, withQuery, type ApiRequest, type ApiResponse } from './custom-request.js';

/** Sends requests to the API: the SDK's got client (proxies, retries, abort) with the integration's limits. */
export interface HttpTransport {
  /**
   * Sends one request (queued behind `maxConcurrentRequests`) and parses its JSON body. Statuses
   * of 400 and above come back as they are, for the caller to judge; a body that is not JSON is
   * an error.
   * @throws CustomIntegrationError `CUSTOM_REQUEST_FAILED` (no answer) or `CUSTOM_RESPONSE_INVALID`
   */
  send(request: ApiRequest, signal: AbortSignal): Promise<ApiResponse & { text: string }>;
  /** Requests waiting for a free slot and in flight (for tests and diagnostics). */
  readonly pending: number;
}

const METHODS_TO_RETRY = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * The delay before retrying a 429 that has no Retry-After but says when its window resets
 * (`X-RateLimit-Reset` / `RateLimit-Reset`: epoch seconds, or seconds from now).
 */
export function rateLimitResetDelay(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const raw = headers['x-ratelimit-reset'] ?? headers['ratelimit-reset'];
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  if (raw === undefined || !Number.isFinite(value) || value < 0) return undefined;
  const delay = value > 1e9 ? value * 1000 - now : value * 1000;
  return Math.min(Math.max(delay, 0), MAX_RATE_LIMIT_WAIT_MS);
}

export interface HttpTransportOptions {
  http: Got;
  settings: CustomSettings;
  logger: PluginLogger;
  /** The integration's lifetime. A request's own signal replaces the client's, so both are joined. */
  signal: AbortSignal;
}

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const { settings } = options;
  const parentDelay = (options.http.defaults.options.retry as Partial<RetryObject> & { calculateDelay?: (retry: RetryObject) => number }).calculateDelay;
  const client = options.http.extend({
    timeout: { request: settings.timeoutMs },
    https: { rejectUnauthorized: settings.verifySsl },
    throwHttpErrors: false,
    responseType: 'text',
    followRedirect: true,
    retry: {
      // Ocean Custom reads with POST too (Canny's /boards/list): retry every method.
      methods: [...METHODS_TO_RETRY],
      calculateDelay: (retry: RetryObject) => {
        const computed = parentDelay ? parentDelay(retry) : retry.computedValue;
        const response = retry.error.response;
        if (computed === 0 || response?.statusCode !== 429 || retry.retryAfter !== undefined) return computed;
        const reset = rateLimitResetDelay(response.headers);
        // 0 would tell got not to retry at all.
        return reset === undefined ? computed : Math.max(reset, 1);
      },
    },
  });
  if (!settings.verifySsl) options.logger.warn({ baseUrl: describeUrl(settings.baseUrl) }, 'verifySsl is false: TLS certificates of the API are not checked');
  const queue = new PQueue({ concurrency: settings.maxConcurrentRequests });

  const send = async (request: ApiRequest, requestSignal: AbortSignal): Promise<ApiResponse & { text: string }> => {
    const signal = requestSignal === options.signal ? requestSignal : AbortSignal.any([requestSignal, options.signal]);
    const url = withQuery(request.url, request.query, settings.baseQuery as QueryPairs);
    const init: OptionsInit = {
      method: request.method,
      headers: { ...settings.customHeaders, ...request.headers },
      signal,
    };
    if (request.form !== undefined) {
      init.body = request.form;
    } else if (request.body !== undefined) {
      init.json = request.body;
      // Ocean sends a body with any method; got wants to be told for GET.
      if (request.method === 'GET') init.allowGetBody = true;
    }
    let response: Response<string>;
    try {
      // The signal goes to got only: p-queue's own `signal` option leaves a listener on the
      // signal per task, which keeps every response alive until the signal's owner is gone.
      response = (await queue.add(() => {
        signal.throwIfAborted();
        return client(url, init) as Promise<Response<string>>;
      })) as Response<string>;
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      const code = (error as { code?: string }).code;
      throw new CustomIntegrationError('CUSTOM_REQUEST_FAILED', `${request.method} ${describeUrl(url)} failed: ${code ? `${code} ` : ''}${(error as Error).message}`, { cause: error });
    }
    const text = String(response.body ?? '');
    let body: unknown = null;
    if (text.trim() !== '' && response.statusCode < 400) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new CustomIntegrationError(
          'CUSTOM_RESPONSE_INVALID',
          `${request.method} ${describeUrl(url)} answered ${response.statusCode} with a body that is not JSON (content-type ${String(response.headers['content-type'] ?? 'none')}): ${excerpt(text, 200)}`,
        );
      }
    }
    return { url, status: response.statusCode, headers: response.headers, body, text };
  };

  return {
    send,
    get pending() {
      return queue.size + queue.pending;
    },
  };
}
