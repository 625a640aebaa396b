import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { listingKey } from '../datasource-index.js';
import { isPlainObject } from '../identifiers.js';
import { invalidRequest } from '../port-error.js';
import { withComputedProperties } from '../computed.js';
import { projectEntity } from '../projection.js';
import { searchEntities } from '../search.js';
import type { StoredEntity } from '../types.js';
import { boolParam, listParam, requireBlueprint, type Query } from './query.js';

const PAGE_DEFAULT = 200;
const PAGE_MAX = 1000;

/** Opaque cursors: the sort key of the last entity on the page. */
function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown, where: string): string | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  if (typeof cursor !== 'string' || cursor === '') throw invalidRequest(`${where} must be a cursor string returned as "next"`);
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function sortKey(entity: StoredEntity): string {
  return listingKey(entity.blueprint, entity.identifier);
}

/** Sorts by (blueprint, identifier) and returns the page after `after` plus the next cursor. */
function page(entities: StoredEntity[], after: string | undefined, limit: number): { items: StoredEntity[]; next: string | undefined } {
  const keyed = entities.map((entity) => ({ key: sortKey(entity), entity }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let start = 0;
  if (after !== undefined) {
    while (start < keyed.length && (keyed[start] as { key: string }).key <= after) start++;
  }
  const slice = keyed.slice(start, start + limit);
  const hasMore = start + limit < keyed.length;
  const last = slice[slice.length - 1];
  return { items: slice.map((item) => item.entity), next: hasMore && last !== undefined ? encodeCursor(last.key) : undefined };
}

function readLimit(value: unknown, max: number, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw invalidRequest(`${where} must be an integer from 1 to ${max}`);
  return value;
}

function readStringList(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalidRequest(`${where} must be an array of strings`);
  return value as string[];
}

export function registerSearchRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const state = () => ctx.persistence.state;
  const searchCtx = () => ({ state: state(), now: ctx.now() });
  /** Adds mirror and aggregation properties unless the caller asked to leave them out. */
  const present = (query: Query) => {
    if (boolParam(query, 'exclude_calculated_properties', false)) return (entity: StoredEntity) => entity;
    const context = searchCtx();
    return (entity: StoredEntity) => withComputedProperties(context, entity);
  };

  app.post<{ Querystring: Query }>('/v1/entities/search', async (request) => {
    const found = searchEntities(searchCtx(), request.body);
    const projection = { include: listParam(request.query, 'include'), exclude: listParam(request.query, 'exclude') };
    const matchingBlueprints = [...new Set(found.map((entity) => entity.blueprint))];
    const full = present(request.query);
    return { ok: true, matchingBlueprints, entities: found.map((entity) => projectEntity(full(entity), projection)) };
  });

  app.post<{ Params: { blueprint: string }; Querystring: Query }>('/v1/blueprints/:blueprint/entities/search', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const body = request.body ?? {};
    if (!isPlainObject(body)) throw invalidRequest('body must be a JSON object');
    for (const key of Object.keys(body)) {
      if (!['query', 'include', 'exclude', 'limit', 'from'].includes(key)) throw invalidRequest(`body/${key} is not allowed`);
    }
    const query = body['query'] ?? { combinator: 'and', rules: [] };
    const found = searchEntities(searchCtx(), query, blueprint.identifier);
    const limit = readLimit(body['limit'], PAGE_MAX, PAGE_DEFAULT, 'body/limit');
    const { items, next } = page(found, decodeCursor(body['from'], 'body/from'), limit);
    const projection = { include: readStringList(body['include'], 'body/include'), exclude: readStringList(body['exclude'], 'body/exclude') };
    const full = present(request.query);
    return { ok: true, entities: items.map((entity) => projectEntity(full(entity), projection)), ...(next === undefined ? {} : { next }) };
  });

  // Internal route Ocean's stale-entity reconciliation uses: every entity, in any blueprint,
  // whose datasource starts with the prefix and ends with the suffix, last written before `before`.
  app.post<{ Querystring: Query }>('/v1/blueprints/entities/datasource-entities', async (request) => {
    const body = request.body;
    if (!isPlainObject(body)) throw invalidRequest('body must be a JSON object');
    const prefix = body['datasource_prefix'] ?? '';
    const suffix = body['datasource_suffix'] ?? '';
    if (typeof prefix !== 'string' || typeof suffix !== 'string') throw invalidRequest('body/datasource_prefix and body/datasource_suffix must be strings');
    if (prefix === '' && suffix === '') throw invalidRequest('body needs datasource_prefix or datasource_suffix');
    let before: number | undefined;
    if (body['before'] !== undefined && body['before'] !== null) {
      before = typeof body['before'] === 'string' ? Date.parse(body['before']) : Number.NaN;
      if (Number.isNaN(before)) throw invalidRequest('body/before must be an ISO-8601 date-time');
    }
    const limit = readLimit(body['limit'], 10_000, 5_000, 'body/limit');
    const found = state().byDatasource.page({ prefix, suffix, before, after: decodeCursor(body['from'], 'body/from'), limit });
    const items = found.entities;
    const next = found.nextAfter === undefined ? undefined : encodeCursor(found.nextAfter);
    const projection = { include: listParam(request.query, 'include'), exclude: listParam(request.query, 'exclude') };
    const full = present(request.query);
    return { ok: true, entities: items.map((entity) => projectEntity(full(entity), projection)), next: next ?? null };
  });
}
