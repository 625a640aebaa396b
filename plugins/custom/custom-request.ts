import type { HttpMethod, QueryPairs } from './custom-config.js';

/** One request to the API, before authentication is applied. */
export interface ApiRequest {
  method: HttpMethod;
  /** Absolute URL; may carry a query string (a next link does). */
  url: string;
  /** Query parameters set on top of the URL's own (same key: replaced). */
  query: Record<string, unknown>;
  headers: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  /** A form-encoded body (the custom authentication request's `bodyForm`). */
  form?: string;
}

/** A parsed response. */
export interface ApiResponse {
  /** The URL that was requested, with its final query string. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body; null for an empty body. */
  body: unknown;
}

/**
 * `base` joined with an endpoint path as Ocean does (`https://h/api` + `/v1/users` is
 * `https://h/api/v1/users`, whatever the slashes), keeping a query string written in the endpoint.
 */
export function joinUrl(base: string, endpoint: string): string {
  const path = endpoint.replace(/^\/+/, '');
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** Query values as httpx sends them: booleans lower-case, null empty, arrays as repeated keys, objects as JSON. */
export function queryValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => queryValues(item));
  if (value === null || value === undefined) return [''];
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}

/** `url` with `query` set on it (each key replaces the URL's own values of that key). */
export function withQuery(url: string, query: Record<string, unknown>, defaults: QueryPairs = []): string {
  const target = new URL(url);
  for (const [key, value] of defaults) if (!target.searchParams.has(key)) target.searchParams.append(key, value);
  for (const [key, value] of Object.entries(query)) {
    target.searchParams.delete(key);
    for (const item of queryValues(value)) target.searchParams.append(key, item);
  }
  return target.href;
}

/** Origin and path of a URL, for logs and errors: query strings may carry credentials. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The first `max` characters of a response body, for error messages. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
