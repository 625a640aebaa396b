import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { got, type Got } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import type { PluginLogger } from '../sdk/index.js';

export interface HttpClientOptions {
  /** Proxy settings are read from here (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, any case). */
  env: Readonly<Record<string, string | undefined>>;
  /** Every request made with the client is aborted when this fires. */
  signal: AbortSignal;
  logger: PluginLogger;
  /** Per-request time limit. @default 60000 (Ocean's `client_timeout`) */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 5 */
  retries?: number;
  /** First backoff delay; doubles per attempt up to 30 s, with 10% jitter. @default 1000 */
  backoffBaseMs?: number;
  userAgent?: string;
}

/**
 * The HTTP client a plugin gets: got with retries on transient failures (408, 429, 5xx and
 * connection errors, honouring Retry-After up to a minute), a timeout, the integration's abort
 * signal, and proxy support through hpagent with `NO_PROXY` exclusions.
 */
export function createHttpClient(options: HttpClientOptions): Got {
  const proxy = proxySettings(options.env);
  const agents = {
    http: proxy.http ? new HttpProxyAgent({ proxy: proxy.http, keepAlive: true }) : undefined,
    https: proxy.https ? new HttpsProxyAgent({ proxy: proxy.https, keepAlive: true }) : undefined,
  };
  return got.extend({
    signal: options.signal,
    timeout: { request: options.timeoutMs ?? 60_000 },
    headers: options.userAgent ? { 'user-agent': options.userAgent } : {},
    retry: {
      limit: options.retries ?? 5,
      statusCodes: [408, 429, 500, 502, 503, 504, 521, 522, 524],
      maxRetryAfter: 60_000,
      calculateDelay: ({ attemptCount, computedValue, retryAfter }) => {
        // got's computedValue is 0 when the error is not retryable or attempts are exhausted.
        if (computedValue === 0) return 0;
        // `Retry-After: 0` means "now"; a delay of 0 would tell got not to retry at all.
        if (retryAfter !== undefined) return Math.max(retryAfter, 1);
        const base = Math.min((options.backoffBaseMs ?? 1000) * 2 ** (attemptCount - 1), 30_000);
        return base * (0.9 + Math.random() * 0.2);
      },
    },
    hooks: {
      beforeRequest: [
        (request) => {
          const url = request.url instanceof URL ? request.url : undefined;
          if (url === undefined || (!agents.http && !agents.https) || bypassesProxy(url, proxy.noProxy)) return;
          request.agent = { http: agents.http as HttpAgent | undefined, https: agents.https as HttpsAgent | undefined };
        },
      ],
      beforeRetry: [
        (error, retryCount) => {
          // Origin and path only: query strings and headers may carry credentials.
          const url = error.options.url instanceof URL ? `${error.options.url.origin}${error.options.url.pathname}` : undefined;
          options.logger.warn({ url, attempt: retryCount, status: error.response?.statusCode, code: error.code }, 'HTTP request failed, retrying');
        },
      ],
    },
  });
}

interface ProxySettings {
  http?: string;
  https?: string;
  noProxy: string[];
}

function proxySettings(env: Readonly<Record<string, string | undefined>>): ProxySettings {
  const read = (name: string) => env[name] ?? env[name.toLowerCase()];
  const http = read('HTTP_PROXY');
  const https = read('HTTPS_PROXY') ?? http;
  const settings: ProxySettings = {
    noProxy: (read('NO_PROXY') ?? '')
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean),
  };
  if (http) settings.http = http;
  if (https) settings.https = https;
  return settings;
}

/** `NO_PROXY` entries: `*`, a host, `.domain` / `domain` suffixes, optionally with `:port`. */
export function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.some((entry) => {
    if (entry === '*') return true;
    const [entryHost = '', entryPort] = entry.split(/:(?=\d+$)/);
    if (entryPort !== undefined && entryPort !== port) return false;
    const bare = entryHost.replace(/^\*?\./, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}
