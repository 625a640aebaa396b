import LinkHeader from 'http-link-header';
import type { RawRecord } from '../../src/sdk/index.js';
import type { CustomApi } from './custom-api.js';
import type { PaginationSettings } from './custom-config.js';
import { isObject, readDotPath, truthy } from './custom-dot-path.js';
import { CustomIntegrationError } from './custom-error.js';
import { describeUrl, type ApiRequest, type ApiResponse } from './custom-request.js';

/** What one pagination run needs. */
export interface PaginationRun {
  api: CustomApi;
  settings: PaginationSettings;
  /** The first page's request: the endpoint's URL, the selector's method, query, headers and body. */
  request: ApiRequest;
  /** The records of one response (the selector's `data_path`). */
  extract(response: ApiResponse): Promise<RawRecord[]>;
  signal: AbortSignal;
  /** Told when offset or page pagination stops because a page repeats the previous one. */
  onRepeatedPage?(message: string): void;
}

/** A cheap identity of a page: its size and its first and last records. */
function pageSignature(records: RawRecord[]): string {
  return `${records.length}:${JSON.stringify(records[0])}:${JSON.stringify(records[records.length - 1])}`;
}

/**
 * The records of an endpoint, one page at a time, following `paginationType`. A page is fetched
 * only when the previous one has been taken, so at most one page is held.
 *
 * When to stop, in order: `hasMorePath` (falsy: stop), then `lastPagePath` (truthy: stop), then
 * the fields Ocean looks for in a JSON object response (`has_more`, `hasMore`, `next_page`,
 * `next`, `meta.has_more`, the cursor, the next link), and when the response has none of them,
 * a page shorter than `pageSize`. An empty page always ends offset and page pagination.
 */
export async function* paginate(run: PaginationRun): AsyncGenerator<RawRecord[]> {
  switch (run.settings.type) {
    case 'none': {
      const response = await run.api.request(run.request, run.signal);
      yield await run.extract(response);
      return;
    }
    case 'offset':
      yield* numbered(run, 0, run.settings.pageSize, (body) => defaultHasMore(body, ['has_more', 'hasMore']));
      return;
    case 'page':
      yield* numbered(run, run.settings.startPage, 1, pageHasNext);
      return;
    case 'cursor':
      yield* cursorPages(run);
      return;
    case 'next_link':
      yield* linkedPages(run, (response) => {
        const link = isObject(response.body) ? readDotPath(response.body, run.settings.nextLinkPath) : undefined;
        return typeof link === 'string' && link.trim() !== '' ? link.trim() : undefined;
      });
      return;
    case 'header_link':
      yield* linkedPages(run, (response) => linkHeaderTarget(response.headers['link'], run.settings.headerLinkRel));
      return;
  }
}

/** `hasMorePath` / `lastPagePath` when configured and the response is an object; undefined otherwise. */
function configuredHasMore(settings: PaginationSettings, body: unknown): boolean | undefined {
  if (!isObject(body)) return undefined;
  if (settings.hasMorePath !== undefined) return truthy(readDotPath(body, settings.hasMorePath));
  if (settings.lastPagePath !== undefined) return !truthy(readDotPath(body, settings.lastPagePath));
  return undefined;
}

function defaultHasMore(body: unknown, keys: string[]): boolean | undefined {
  if (!isObject(body)) return undefined;
  const key = keys.find((name) => Object.prototype.hasOwnProperty.call(body, name));
  return key === undefined ? undefined : truthy(body[key]);
}

/** Page pagination's fields, as Ocean reads them: a `next_page` or `next` that is not null, or `hasMore`. */
function pageHasNext(body: unknown): boolean | undefined {
  if (!isObject(body) || !['next_page', 'next', 'hasMore'].some((key) => key in body)) return undefined;
  return (body['next_page'] !== undefined && body['next_page'] !== null) || (body['next'] !== undefined && body['next'] !== null) || truthy(body['hasMore']);
}

/** Offset (`step` = page size, from 0) and page (`step` = 1, from `startPage`) pagination. */
async function* numbered(run: PaginationRun, start: number, step: number, fieldsSay: (body: unknown) => boolean | undefined): AsyncGenerator<RawRecord[]> {
  const { settings } = run;
  let previous: string | undefined;
  for (let position = start; ; position += step) {
    const request = { ...run.request, query: { ...run.request.query, [settings.paginationParam]: position, [settings.sizeParam]: settings.pageSize } };
    const response = await run.api.request(request, run.signal);
    const records = await run.extract(response);
    if (records.length === 0) return;
    // An endpoint that ignores the pagination parameters answers the same page again and again.
    const signature = pageSignature(records);
    if (signature === previous) {
      run.onRepeatedPage?.(`${run.request.method} ${describeUrl(response.url)} answered the same page for ${settings.paginationParam}=${position} as for the previous one: it may not support ${settings.paginationParam}; stopping`);
      return;
    }
    previous = signature;
    yield records;
    const more = configuredHasMore(settings, response.body) ?? fieldsSay(response.body) ?? records.length >= settings.pageSize;
    if (!more) return;
  }
}

const DEFAULT_CURSOR_PATHS = ['next_cursor', 'cursor', 'meta.after_cursor', 'links.next'];
const DEFAULT_CURSOR_HAS_MORE = ['has_more', 'hasMore', 'meta.has_more'];

async function* cursorPages(run: PaginationRun): AsyncGenerator<RawRecord[]> {
  const { settings } = run;
  let cursor: string | undefined;
  for (;;) {
    const query: Record<string, unknown> = { ...run.request.query, [settings.sizeParam]: settings.pageSize };
    if (cursor !== undefined) query[settings.paginationParam] = cursor;
    const response = await run.api.request({ ...run.request, query }, run.signal);
    const records = await run.extract(response);
    if (records.length > 0) yield records;
    const body = response.body;
    if (!isObject(body)) return;
    const next = settings.cursorPath !== undefined ? readDotPath(body, settings.cursorPath) : DEFAULT_CURSOR_PATHS.map((path) => readDotPath(body, path)).find(truthy);
    // Ocean stops when no has-more field says yes, even with a cursor in hand (Slack's responses
    // have none): here, without such a field, the cursor decides.
    let more = configuredHasMore(settings, body);
    if (more === undefined) {
      const field = DEFAULT_CURSOR_HAS_MORE.find((path) => readDotPath(body, path) !== undefined);
      if (field !== undefined) more = truthy(readDotPath(body, field));
    }
    if (!truthy(next) || more === false) return;
    if (typeof next === 'object') {
      throw new CustomIntegrationError('CUSTOM_PAGINATION_ERROR', `${run.request.method} ${describeUrl(response.url)}: the cursor at ${settings.cursorPath ?? 'the default paths'} is not a string or number: ${JSON.stringify(next).slice(0, 100)}`);
    }
    const nextCursor = String(next);
    if (nextCursor === cursor) {
      throw new CustomIntegrationError('CUSTOM_PAGINATION_ERROR', `${run.request.method} ${describeUrl(response.url)} gave the same cursor twice (${JSON.stringify(nextCursor.slice(0, 60))}); stopping rather than looping`);
    }
    cursor = nextCursor;
  }
}

/** next_link and header_link: each response names the URL of the next page. */
async function* linkedPages(run: PaginationRun, nextOf: (response: ApiResponse) => string | undefined): AsyncGenerator<RawRecord[]> {
  const { settings } = run;
  let request: ApiRequest = settings.sizeParamConfigured ? { ...run.request, query: { ...run.request.query, [settings.sizeParam]: settings.pageSize } } : run.request;
  // Recent page URLs, to stop a link cycle; bounded so a long run does not grow it.
  const seen = new Set<string>();
  for (;;) {
    const response = await run.api.request(request, run.signal);
    seen.add(response.url);
    if (seen.size > 1000) seen.delete(seen.values().next().value as string);
    const records = await run.extract(response);
    if (records.length > 0) yield records;
    if (configuredHasMore(settings, response.body) === false) return;
    const link = nextOf(response);
    if (link === undefined) return;
    let next: URL;
    try {
      next = new URL(link, response.url);
    } catch {
      throw new CustomIntegrationError('CUSTOM_PAGINATION_ERROR', `${run.request.method} ${describeUrl(response.url)}: the next page link ${JSON.stringify(link.slice(0, 200))} is not a URL`);
    }
    const origin = new URL(response.url).origin;
    if (next.origin !== origin) {
      // The request's credentials must not travel to another host a response names.
      throw new CustomIntegrationError('CUSTOM_PAGINATION_ERROR', `${describeUrl(response.url)}: the next page link points to another origin (${next.origin}, not ${origin}); not following it with this API's credentials`);
    }
    if (seen.has(next.href)) {
      throw new CustomIntegrationError('CUSTOM_PAGINATION_ERROR', `${describeUrl(response.url)}: the next page link leads back to a page already read; stopping rather than looping`);
    }
    // The link carries the query of the next page: the selector's parameters are not added again.
    request = { ...run.request, url: next.href, query: {} };
  }
}

/** The target of the Link header's entry with `rel` (RFC 8288; rel may list several types). */
export function linkHeaderTarget(header: string | string[] | undefined, rel: string): string | undefined {
  if (header === undefined) return undefined;
  const wanted = rel.toLowerCase();
  for (const value of Array.isArray(header) ? header : [header]) {
    let parsed: LinkHeader;
    try {
      parsed = LinkHeader.parse(value);
    } catch {
      continue;
    }
    const match = parsed.refs.find((ref) => String(ref.rel ?? '').toLowerCase().split(/\s+/).includes(wanted));
    if (match?.uri) return match.uri;
  }
  return undefined;
}
