import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';
import { MarinaError, type ErrorCode } from '../errors.js';
import { silentLogger, type PortLogger } from './logger.js';
import type { RateBudget } from './rate-budget.js';
import { createRetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
import { routeFamily } from './route-family.js';
import { sleep } from './sleep.js';
import { createTokenCache, type TokenCache } from './token-cache.js';
import { controlUserAgent, entityUserAgent, type IntegrationIdentity } from './user-agent.js';

/**
 * The HTTP client for one Port organization (one baseUrl + credential pair). Every attempt,
 * retries included, goes through the organization's rate budget, so the budget and the retry
 * policy see the same traffic; got's own retry is off for that reason.
 */
export interface PortClientOptions {
  /** Such as `https://api.getport.io`; `/v1` is added. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The organization's shared budget (see createRateBudget). */
  budget: RateBudget;
  retry?: RetryPolicyOptions;
  /** Per-attempt time limit. @default 60000 (Ocean's figure) */
  timeoutMs?: number;
  /** Refresh the token once less than this remains. @default 300000 */
  tokenRefreshMarginMs?: number;
  logger?: PortLogger;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface PortRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path under the base URL, starting with `/v1/`; path parameters already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Whose request this is: picks the User-Agent (and so `$datasource`) and the fairness lane. */
  integration: IntegrationIdentity;
  /** `entity` writes carry the `/exporter` suffix Port records as the datasource. @default 'control' */
  userAgent?: 'entity' | 'control';
  /**
   * Whether another attempt is safe. `idempotent` also retries 500: upserts, deletes and
   * searches give the same result when repeated, even though some are POSTs. @default GET/PUT/DELETE: idempotent; others: false
   */
  retry?: boolean | 'idempotent';
  /** Statuses returned to the caller instead of thrown (2xx always are). */
  accept?: readonly number[];
  lane?: 'live' | 'resync';
  signal?: AbortSignal;
}

export interface PortResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export interface PortClient {
  readonly baseUrl: string;
  /** Sends one logical request (with retries). Throws a MarinaError on a final failure. */
  request<T = Record<string, unknown>>(request: PortRequest): Promise<PortResponse<T>>;
  /** Closes pooled connections. */
  close(): void;
}

/** A Port failure, with the status and Port's error body for callers that branch on them. */
export class PortHttpError extends MarinaError {
  override name = 'PortHttpError';
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number | undefined,
    readonly body: unknown,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
  }
}

export function createPortClient(options: PortClientOptions): PortClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const logger = options.logger ?? silentLogger;
  const policy = createRetryPolicy(options.retry);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const agentOptions = { keepAlive: true, maxSockets: 128 };
  const agent = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  const http: Got = got.extend({
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    timeout: { request: timeoutMs },
    agent,
    responseType: 'text',
  });

  // The token route is shared by all integrations of the organization; it is attributed to a
  // neutral lane so one integration's queue never holds another's token refresh.
  const tokenIdentity: IntegrationIdentity = { identifier: '$token', type: 'marina', version: '0' };
  const tokens: TokenCache = createTokenCache({
    ...(options.tokenRefreshMarginMs === undefined ? {} : { refreshMarginMs: options.tokenRefreshMarginMs }),
    fetchToken: async () => {
      const response = await send<{ accessToken?: unknown; expiresIn?: unknown; tokenType?: unknown }>(
        { method: 'POST', path: '/v1/auth/access_token', body: { clientId: options.clientId, clientSecret: options.clientSecret }, integration: tokenIdentity, retry: true },
        undefined,
      );
      const { accessToken, expiresIn, tokenType } = response.body;
      if (typeof accessToken !== 'string' || typeof expiresIn !== 'number') {
        throw new PortHttpError('PORT_RESPONSE_INVALID', 'Port answered POST /v1/auth/access_token without an accessToken and a numeric expiresIn', response.status, undefined, {
          details: { method: 'POST', path: '/v1/auth/access_token', baseUrl },
        });
      }
      return { accessToken, expiresIn, tokenType: typeof tokenType === 'string' ? tokenType : 'Bearer' };
    },
  });

  // Closing aborts everything still in flight or waiting to retry (token fetches included), so
  // a closed client leaves no timers behind when Port is unreachable.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);

  async function send<T>(request: PortRequest, auth: 'token' | undefined): Promise<PortResponse<T>> {
    const signal = request.signal === undefined ? closing.signal : AbortSignal.any([request.signal, closing.signal]);
    const family = routeFamily(request.method, request.path);
    const retryMode = request.retry ?? (request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE' ? 'idempotent' : false);
    const url = `${baseUrl}${request.path}`;
    const searchParams = toSearchParams(request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const userAgent = request.userAgent === 'entity' ? entityUserAgent(request.integration) : controlUserAgent(request.integration);
    const where = { method: request.method, path: request.path, baseUrl };
    let refreshedAfter401 = false;

    for (let attempt = 0; ; attempt++) {
      const authorization = auth === 'token' ? (await tokens.get()).header : undefined;
      const headers: Record<string, string> = { 'user-agent': userAgent, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (authorization !== undefined) headers.authorization = authorization;

      let response: { statusCode: number; body: string; headers: Record<string, string | string[] | undefined> };
      try {
        response = await options.budget.run(
          { integration: request.integration.identifier, family, lane: request.lane ?? 'resync', signal },
          () => http(url, { method: request.method, headers, body, searchParams, signal }),
        );
      } catch (error) {
        // got reports an abort as its own AbortError; callers expect the reason they aborted with.
        if (signal.aborted) throw signal.reason;
        if (retryMode !== false && attempt < policy.maxRetries && policy.retriesError(error)) {
          const waitMs = policy.delayMs(attempt + 1);
          logger.debug({ ...where, attempt, waitMs, err: describe(error) }, 'Port request failed; retrying');
          await sleep(waitMs, signal);
          continue;
        }
        throw new PortHttpError('PORT_UNAVAILABLE', `Could not reach Port for ${request.method} ${request.path}: ${describe(error)}`, undefined, undefined, {
          cause: error,
          retryable: true,
          details: { ...where, attempts: attempt + 1 },
        });
      }

      const status = response.statusCode;
      options.budget.observe(family, status, response.headers);
      const parsed = parseBody(response.body);

      if (status >= 200 && status < 300) return { status, body: parsed as T, headers: response.headers };
      if (request.accept?.includes(status)) return { status, body: parsed as T, headers: response.headers };

      // A 401 on a normal route means the token went stale: refresh once and resend at once.
      if (status === 401 && authorization !== undefined && !refreshedAfter401) {
        refreshedAfter401 = true;
        tokens.invalidate(authorization);
        logger.debug(where, 'Port rejected the access token; refreshing it');
        continue;
      }

      const retryable = retryMode !== false && policy.retriesStatus(status, retryMode === 'idempotent');
      if (retryable && attempt < policy.maxRetries) {
        const waitMs = policy.delayMs(attempt + 1, { status, headers: response.headers });
        logger.debug({ ...where, status, attempt, waitMs }, 'Port answered with a transient error; retrying');
        await sleep(waitMs, signal);
        continue;
      }
      throw httpError(request, status, parsed, response.headers, attempt + 1, baseUrl);
    }
  }

  return {
    baseUrl,
    request: (request) => send(request, 'token'),
    close() {
      closing.abort(new PortHttpError('PORT_UNAVAILABLE', `The Port client for ${baseUrl} was closed`, undefined, undefined, { details: { baseUrl } }));
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}

function httpError(
  request: PortRequest,
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
  attempts: number,
  baseUrl: string,
): PortHttpError {
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown };
  const portError = typeof envelope.error === 'string' ? envelope.error : undefined;
  const portMessage = typeof envelope.message === 'string' ? envelope.message : undefined;
  const code: ErrorCode =
    status === 401 || status === 403 ? 'PORT_AUTH_FAILED' : status === 429 ? 'PORT_RATE_LIMITED' : status === 413 ? 'PORT_REQUEST_TOO_LARGE' : status >= 500 ? 'PORT_UNAVAILABLE' : 'PORT_HTTP_ERROR';
  const reason = [portError, portMessage].filter((part) => part !== undefined).join(': ');
  const traceId = headers['x-trace-id'];
  return new PortHttpError(code, `Port answered ${status} to ${request.method} ${request.path}${reason === '' ? '' : ` (${reason})`}`, status, body, {
    retryable: status === 429 || status >= 500,
    details: { method: request.method, path: request.path, baseUrl, status, error: portError, attempts, ...(traceId === undefined ? {} : { traceId }) },
  });
}

function parseBody(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { ok: false, error: 'non_json_body', message: text.slice(0, 200) };
  }
}

function toSearchParams(query: Record<string, QueryValue> | undefined): URLSearchParams | undefined {
  if (query === undefined) return undefined;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // Port takes arrays as repeated keys and booleans as lowercase words.
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  return params;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
