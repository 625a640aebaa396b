import { maskUrlSecrets } from './secret-redactor.js';

/**
 * Text for errors in logs and status APIs: the whole cause chain, one line per cause, and for
 * HTTP errors the status and the URL with secret-looking query parameters masked. Registered
 * secret values are the caller's redactor's job (every log line and API answer goes through it).
 */

/** Causes followed at most; deeper ones are cut (and cycles stopped). */
const MAX_CAUSES = 8;
/** Non-error values thrown or used as causes are shown as JSON up to this length. */
const MAX_VALUE_CHARS = 300;

/** The message and every cause's, as `caused by: ...` lines; HTTP errors name status and URL. */
export function describeError(error: unknown): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES; depth++) {
    const text = depth === 0 ? (describeLink(current) ?? String(current)) : describeLink(current);
    // A wrapper often quotes its cause's message ("... threw: <message>"): no line repeats it.
    if (text !== undefined && !lines.some((line) => line.includes(text))) lines.push(depth === 0 ? text : `caused by: ${text}`);
    seen.add(current);
    current = isErrorLike(current) ? current.cause : undefined;
    if (current === undefined || current === null || seen.has(current)) break;
  }
  return maskUrlSecrets(lines.join('\n'));
}

/**
 * The stack of `error` and of each cause (`caused by: <stack>`), for `error`-level log lines:
 * the frames point at the plugin's own file and line. Not masked here; the logger masks lines.
 */
export function stackWithCauses(error: unknown): string | undefined {
  if (!isErrorLike(error)) return undefined;
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (isErrorLike(current) && !seen.has(current) && parts.length <= MAX_CAUSES) {
    seen.add(current);
    const stack = typeof current.stack === 'string' && current.stack !== '' ? current.stack : `${current.name}: ${current.message}`;
    parts.push(parts.length === 0 ? stack : `caused by: ${stack}`);
    current = current.cause;
  }
  return maskUrlSecrets(parts.join('\n'));
}

/** How an error appears under `err` in a log line. */
export interface SerializedError {
  type: string;
  /** {@link describeError}: the message and the cause chain. */
  message: string;
  /** {@link stackWithCauses}: where it was thrown, a plugin's file and line included. */
  stack?: string;
  code?: string;
  status?: number;
  url?: string;
}

/** Marks what {@link serializeError} produced, so serializing it again changes nothing. */
const SERIALIZED = Symbol('marina.serialized-error');

/**
 * The logger's serializer for `err` and `error` fields. Unlike pino's standard one it does not
 * copy the error's enumerable properties: got's errors carry their whole request options
 * (headers, agents), which are noise at best and credentials at worst. Components whose logger
 * may not mask lines (the resync runner) pass their `redact` and log the result.
 */
export function serializeError(value: unknown, redact: (text: string) => string = (text) => text): unknown {
  if (!isErrorLike(value) || SERIALIZED in value) return value;
  const type = value.constructor?.name && value.constructor.name !== 'Object' ? value.constructor.name : typeof value.name === 'string' ? value.name : 'Error';
  const out: SerializedError = { type, message: redact(describeError(value)) };
  const stack = stackWithCauses(value);
  if (stack !== undefined) out.stack = redact(stack);
  const code = (value as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  const http = httpErrorDetails(value);
  if (http?.status !== undefined) out.status = http.status;
  if (http?.url !== undefined) out.url = redact(maskUrlSecrets(http.url));
  Object.defineProperty(out, SERIALIZED, { value: true });
  return out;
}

/** What an HTTP error says about the request: got's HTTPError and RequestError, Port client errors. */
export interface HttpErrorDetails {
  status?: number;
  method?: string;
  url?: string;
}

/**
 * Status, method and URL of an HTTP error, recognised by shape rather than class (a plugin's
 * got may be another copy than the host's): got errors carry `options.url` and, with a
 * response, `response.statusCode`; Port client errors carry `status` and `details` with
 * `baseUrl`, `method` and `path`.
 */
export function httpErrorDetails(error: unknown): HttpErrorDetails | undefined {
  if (!isErrorLike(error)) return undefined;
  const candidate = error as { options?: { url?: unknown; method?: unknown }; response?: { statusCode?: unknown }; status?: unknown; details?: Record<string, unknown> };
  const gotUrl = candidate.options?.url;
  if (gotUrl instanceof URL || (typeof gotUrl === 'string' && gotUrl !== '')) {
    const details: HttpErrorDetails = { url: String(gotUrl) };
    if (typeof candidate.options?.method === 'string') details.method = candidate.options.method;
    if (typeof candidate.response?.statusCode === 'number') details.status = candidate.response.statusCode;
    return details;
  }
  const portDetails = candidate.details;
  if (portDetails !== undefined && typeof portDetails['baseUrl'] === 'string' && typeof portDetails['path'] === 'string') {
    const details: HttpErrorDetails = { url: `${portDetails['baseUrl'].replace(/\/+$/, '')}${portDetails['path']}` };
    if (typeof portDetails['method'] === 'string') details.method = portDetails['method'];
    if (typeof candidate.status === 'number') details.status = candidate.status;
    return details;
  }
  return undefined;
}

interface ErrorLike {
  name: string;
  message: string;
  stack?: string;
  cause?: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string');
}

/** One line for one link of the chain, or undefined when it says nothing (got's empty `{}` cause). */
function describeLink(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isErrorLike(value)) {
    if (typeof value !== 'object') return String(value);
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (json === undefined || json === '{}' || json === '[]') return undefined;
    return json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}...` : json;
  }
  // Plain errors and Marina's own (they have codes) speak for themselves; others say what they are.
  const name = typeof value.name === 'string' && value.name !== 'Error' && !('code' in value && 'details' in value) ? `${value.name}: ` : '';
  let text = value.message === '' ? value.name || 'Error' : `${name}${value.message}`;
  const http = httpErrorDetails(value);
  if (http !== undefined) {
    const extra: string[] = [];
    if (http.status !== undefined && !text.includes(String(http.status))) extra.push(`HTTP ${http.status}`);
    if (http.url !== undefined && !text.includes(http.url)) extra.push(http.method === undefined || text.includes(`${http.method} `) ? http.url : `${http.method} ${http.url}`);
    if (extra.length > 0) text += ` (${extra.join(', ')})`;
  }
  return text;
}
