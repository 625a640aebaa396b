/**
 * When to retry a Port request and how long to wait. Pure functions, so the client, the rate
 * budget and the tests all see the same decisions.
 */

/** Statuses worth another attempt: timeouts, rate limits and gateway failures. */
const RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);

/**
 * 500 is retried only for requests that are idempotent in effect (upserts, deletes, searches).
 * Ocean never retries 500; an upsert with `upsert=true` gives the same result when repeated, so
 * one more try costs little and a transient 500 no longer loses a whole batch.
 */
const IDEMPOTENT_EXTRA_STATUSES = new Set([500]);

/** Network failures got reports by `error.code`. */
const RETRY_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export interface RetryPolicyOptions {
  /** Retries after the first attempt. @default 10 (Ocean's figure: 11 sends in all) */
  maxRetries?: number;
  /** Delay before the first retry, in ms; doubles each time. @default 300 */
  baseDelayMs?: number;
  /** No single wait is longer than this, whatever the server asks for. @default 60000 */
  maxDelayMs?: number;
  /** Relative jitter around the exponential delay. @default 0.2 */
  jitterRatio?: number;
}

export interface RetryPolicy {
  readonly maxRetries: number;
  /** Whether a response status is worth another attempt. */
  retriesStatus(status: number, idempotent: boolean): boolean;
  /** Whether a thrown request error (connection reset, timeout...) is worth another attempt. */
  retriesError(error: unknown): boolean;
  /**
   * The wait before retry number `retry` (1-based). `headers` are the failed response's;
   * `Retry-After` wins, then (for 429 only) `x-ratelimit-reset`, else exponential backoff.
   */
  delayMs(retry: number, response?: { status: number; headers: Record<string, string | string[] | undefined> }): number;
}

export function createRetryPolicy(options: RetryPolicyOptions = {}, random: () => number = Math.random, now: () => number = Date.now): RetryPolicy {
  const maxRetries = options.maxRetries ?? 10;
  const baseDelayMs = options.baseDelayMs ?? 300;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const jitterRatio = options.jitterRatio ?? 0.2;

  return {
    maxRetries,
    retriesStatus: (status, idempotent) => RETRY_STATUSES.has(status) || (idempotent && IDEMPOTENT_EXTRA_STATUSES.has(status)),
    retriesError(error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && RETRY_ERROR_CODES.has(code)) return true;
      // got wraps timeouts as TimeoutError and socket trouble as ReadError/RequestError.
      const name = (error as { name?: unknown } | null)?.name;
      return name === 'TimeoutError' || name === 'ReadError';
    },
    delayMs(retry, response) {
      if (response !== undefined) {
        const hinted = serverHintMs(response.status, response.headers, now());
        if (hinted !== undefined) return Math.min(hinted, maxDelayMs);
      }
      const exponential = baseDelayMs * 2 ** Math.max(0, retry - 1);
      const jitter = 1 + jitterRatio * (random() * 2 - 1);
      return Math.min(Math.max(0, exponential * jitter), maxDelayMs);
    },
  };
}

/**
 * The wait the server asked for, in ms. `x-ratelimit-reset` is on every Port response and says
 * when the current window ends, so it only means "wait" on a 429; Ocean also obeys it after a
 * 503, which can stall a retry for minutes.
 */
export function serverHintMs(status: number, headers: Record<string, string | string[] | undefined>, nowMs: number): number | undefined {
  const retryAfter = parseWaitHeader(first(headers['retry-after']), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  if (status === 429) return parseWaitHeader(first(headers['x-ratelimit-reset']), nowMs);
  return undefined;
}

/**
 * Parses a wait header: seconds, an epoch in seconds (Port's docs disagree on the unit of
 * `x-ratelimit-reset`; an all-digit value above 10,000 cannot be a sane wait, so it is an epoch),
 * or an HTTP/ISO date.
 */
export function parseWaitHeader(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const number = Number(text);
    if (number > 10_000) return Math.max(0, number * 1000 - nowMs);
    return number * 1000;
  }
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
