import type { Got } from 'got';

/** The subset of `fetch` octokit's request calls. */
export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal | null }) => Promise<Response>;

/**
 * A `fetch` for octokit that sends every request through the host's HTTP client (got), so
 * GitHub calls use the host's proxy settings (`HTTPS_PROXY`, `NO_PROXY`) and stop when the
 * integration stops. got's own retries are off: octokit's retry and throttling plugins and the
 * plugin's rate budget decide about retries, and double retrying would multiply the waits.
 */
export function createGotFetch(http: Got, integrationSignal: AbortSignal): FetchLike {
  const client = http.extend({ retry: { limit: 0 }, throwHttpErrors: false, followRedirect: true, decompress: true });
  return async (url, init = {}) => {
    const signal = init.signal ? AbortSignal.any([integrationSignal, init.signal]) : integrationSignal;
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body)) {
      throw new TypeError(`GitHub requests carry JSON text bodies, got ${typeof body}`);
    }
    const response = await client(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers ?? {},
      ...(body === undefined || body === null ? {} : { body }),
      signal,
      responseType: 'buffer',
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      // got has decoded the body already; the length and encoding no longer describe it.
      if (name === 'content-encoding' || name === 'content-length') continue;
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else headers.set(name, String(value));
    }
    const status = response.statusCode;
    const hasBody = !(status === 204 || status === 205 || status === 304) && init.method !== 'HEAD';
    // A view of got's buffer, not a copy (node's types reject a Buffer where fetch takes bytes).
    const answer = hasBody ? (new Uint8Array(response.rawBody.buffer, response.rawBody.byteOffset, response.rawBody.byteLength) as Uint8Array<ArrayBuffer>) : null;
    const result = new Response(answer, { status, statusText: response.statusMessage ?? '', headers });
    Object.defineProperty(result, 'url', { value: response.url });
    return result;
  };
}
