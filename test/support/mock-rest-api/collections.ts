import type { FastifyInstance, FastifyRequest } from 'fastify';
import { items } from './records.js';

/**
 * The generic collection served in each pagination style. Besides the pagination parameters, a
 * request may say `total=N` (collection size) and `style=...` (response shape, per route below).
 */

function numberParam(query: Record<string, string>, name: string, fallback: number): number {
  const value = query[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host}`;
}

export function registerCollections(app: FastifyInstance, defaults: { total: number; padBytes: number }): void {
  const totalOf = (query: Record<string, string>) => numberParam(query, 'total', defaults.total);
  const pad = defaults.padBytes;

  // Bare list, one request.
  app.get('/none/items', async (request) => {
    const query = request.query as Record<string, string>;
    const total = totalOf(query);
    return query['style'] === 'wrapped' ? { data: items(0, total, total, pad) } : items(0, total, total, pad);
  });

  // offset & limit. style: plain {data, total} (default) | has_more | hasMore | list (bare array).
  app.get('/offset/items', async (request) => {
    const query = request.query as Record<string, string>;
    const total = totalOf(query);
    const offset = numberParam(query, 'offset', numberParam(query, 'skip', 0));
    const limit = numberParam(query, 'limit', numberParam(query, 'take', 10));
    const data = items(offset, offset + limit, total, pad);
    const more = offset + limit < total;
    switch (query['style']) {
      case 'has_more':
        return { data, has_more: more };
      case 'hasMore':
        return { data, hasMore: more };
      case 'list':
        return data;
      default:
        return { data, total };
    }
  });

  // page & size (1-based unless start=0). style: plain {data} (default) | next_page | spring {data: {content, last}} | list.
  app.get('/page/items', async (request) => {
    const query = request.query as Record<string, string>;
    const total = totalOf(query);
    const base = numberParam(query, 'start', 1);
    const page = numberParam(query, 'page', numberParam(query, 'pageNumber', base));
    const size = numberParam(query, 'size', numberParam(query, 'per_page', 10));
    const from = (page - base) * size;
    const data = items(from, from + size, total, pad);
    const more = from + size < total;
    switch (query['style']) {
      case 'next_page':
        return { data, next_page: more ? page + 1 : null };
      case 'spring':
        return { data: { content: data, last: !more, number: page } };
      case 'list':
        return data;
      default:
        return { data };
    }
  });

  // cursor & limit. style: default {data, next_cursor, has_more} | meta {data, meta: {after_cursor, has_more}}
  // | custom {items, pagination: {next, more}} | cursor_only {data, next_cursor} | stuck (always the same cursor).
  app.get('/cursor/items', async (request) => {
    const query = request.query as Record<string, string>;
    const total = totalOf(query);
    const cursor = query['cursor'] ?? query['after'] ?? query['page[after]'];
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    const limit = numberParam(query, 'limit', numberParam(query, 'page[size]', 10));
    const data = items(start, start + limit, total, pad);
    const more = start + limit < total;
    const next = more ? Buffer.from(String(start + limit)).toString('base64url') : null;
    switch (query['style']) {
      case 'meta':
        return { data, meta: { after_cursor: next, has_more: more } };
      case 'custom':
        return { items: data, pagination: { next, more } };
      case 'cursor_only':
        return { data, next_cursor: next };
      case 'stuck':
        return { data, next_cursor: 'same', has_more: true };
      default:
        return { data, next_cursor: next, has_more: more };
    }
  });

  // OData-style next links. style: odata {value, @odata.nextLink} (default) | links {data, links: {next}} (relative link).
  app.get('/next-link/items', async (request) => {
    const query = request.query as Record<string, string>;
    const total = totalOf(query);
    const skip = numberParam(query, '$skip', 0);
    const top = numberParam(query, '$top', numberParam(query, 'limit', 10));
    const data = items(skip, skip + top, total, pad);
    const rest = new URLSearchParams({ ...query, $skip: String(skip + top), $top: String(top) }).toString();
    const more = skip + top < total;
    if (query['style'] === 'links') return { data, links: { next: more ? `/next-link/items?${rest}` : null } };
    if (query['style'] === 'elsewhere') return { value: data, '@odata.nextLink': 'https://elsewhere.example.com/steal' };
    const body: Record<string, unknown> = { value: data };
    if (more) body['@odata.nextLink'] = `${origin(request)}/next-link/items?${rest}`;
    return body;
  });

  // GitHub-style Link header; the body is a bare list. rel=name changes the rel of the next link.
  app.get('/header-link/items', async (request, reply) => {
    const query = request.query as Record<string, string>;
    const total = totalOf(query);
    const page = numberParam(query, 'page', 1);
    const perPage = numberParam(query, 'per_page', 10);
    const data = items((page - 1) * perPage, page * perPage, total, pad);
    const last = Math.max(1, Math.ceil(total / perPage));
    const link = (p: number) => `<${origin(request)}/header-link/items?${new URLSearchParams({ ...query, page: String(p), per_page: String(perPage) }).toString()}>`;
    const links = [`${link(1)}; rel="first"`, `${link(last)}; rel="last"`];
    if (page < last) links.unshift(`${link(page + 1)}; rel="${query['rel'] ?? 'next'}"`);
    reply.header('link', links.join(', '));
    return data;
  });
}
