/**
 * Port rate-limits per organization and per route family (port-api.md section 6.1). A request
 * counts against the most specific family that matches it.
 */
export type RouteFamily =
  | 'unauthenticated'
  | 'entityUpsert'
  | 'entitiesBulkUpsert'
  | 'entitiesSearch'
  | 'entities'
  | 'blueprints'
  | 'other';

export interface RouteLimit {
  /** Requests allowed per period at the steady rate. */
  limit: number;
  /** Requests allowed at once above the steady rate. */
  burst: number;
  periodSeconds: number;
}

/** Port's published limits (docs.port.io, 2026), per organization, 5-minute windows. */
export const PORT_PUBLISHED_LIMITS: Readonly<Record<RouteFamily, RouteLimit>> = Object.freeze({
  unauthenticated: { limit: 100, burst: 10, periodSeconds: 300 },
  entityUpsert: { limit: 10_000, burst: 200, periodSeconds: 300 },
  entitiesBulkUpsert: { limit: 35_000, burst: 3_500, periodSeconds: 300 },
  entitiesSearch: { limit: 35_000, burst: 3_500, periodSeconds: 300 },
  entities: { limit: 35_000, burst: 3_500, periodSeconds: 300 },
  blueprints: { limit: 15_000, burst: 1_500, periodSeconds: 300 },
  other: { limit: 15_000, burst: 1_500, periodSeconds: 300 },
});

/** The family a request belongs to. `path` is the URL path, starting with `/v1/`. */
export function routeFamily(method: string, path: string): RouteFamily {
  const verb = method.toUpperCase();
  const segments = path.split('?')[0]!.split('/').filter((s) => s !== '');
  // segments[0] is 'v1'.
  const [, root, second, third, fourth] = segments;
  if (root === 'auth') return 'unauthenticated';
  if (root === 'entities') return second === 'search' ? 'entitiesSearch' : 'entities';
  if (root === 'blueprints') {
    if (second === 'entities') return 'entitiesSearch'; // datasource-entities: a listing, counted as a search
    if (third === 'entities') {
      if (fourth === 'bulk' && verb === 'POST') return 'entitiesBulkUpsert';
      if (fourth === 'search') return 'entitiesSearch';
      if (fourth === undefined && verb === 'POST') return 'entityUpsert';
      return 'entities';
    }
    if (third === 'bulk' || third === 'all-entities' || third === 'entities-count') return 'entities';
    return 'blueprints';
  }
  return 'other';
}
