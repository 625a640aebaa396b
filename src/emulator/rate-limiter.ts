/**
 * Port's published rate limits (port-api.md §6.1): per organisation, per route family, a steady
 * rate of `limit` requests per 5-minute period plus an instant `burst`. Modelled as a token
 * bucket per family: it holds at most `burst` tokens and refills at `limit / period` per second.
 *
 * Headers on every answer: `x-ratelimit-period` (seconds), `x-ratelimit-limit` (per period),
 * `x-ratelimit-remaining` (requests that may be sent right now) and `x-ratelimit-reset`
 * (seconds until the bucket is full again). A refused request also gets `Retry-After`: the
 * seconds until one request is allowed.
 */

export type RouteFamily =
  | 'unauthenticated'
  | 'entity-upsert'
  | 'entities-bulk-upsert'
  | 'entities-search'
  | 'entities'
  | 'blueprints'
  | 'other';

export const PORT_RATE_LIMITS: Record<RouteFamily, { limit: number; burst: number }> = {
  unauthenticated: { limit: 100, burst: 10 },
  'entity-upsert': { limit: 10_000, burst: 200 },
  'entities-bulk-upsert': { limit: 35_000, burst: 3_500 },
  'entities-search': { limit: 35_000, burst: 3_500 },
  entities: { limit: 35_000, burst: 3_500 },
  blueprints: { limit: 15_000, burst: 1_500 },
  other: { limit: 15_000, burst: 1_500 },
};

export const PORT_RATE_PERIOD_SECONDS = 300;

/** The family of a request, highest priority first, as Port picks the most specific rule. */
export function routeFamily(method: string, path: string): RouteFamily {
  if (path === '/v1/auth/access_token') return 'unauthenticated';
  const p = path.endsWith('/') ? path.slice(0, -1) : path;
  if (method === 'POST' && /^\/v1\/blueprints\/[^/]+\/entities$/.test(p)) return 'entity-upsert';
  if (method === 'POST' && /^\/v1\/blueprints\/[^/]+\/entities\/bulk$/.test(p)) return 'entities-bulk-upsert';
  if (method === 'POST' && (p === '/v1/entities/search' || /^\/v1\/blueprints\/[^/]+\/entities\/search$/.test(p) || p === '/v1/blueprints/entities/datasource-entities')) {
    return 'entities-search';
  }
  if (p.startsWith('/v1/entities') || /^\/v1\/blueprints\/[^/]+\/(entities|bulk\/entities|all-entities|entities-count)/.test(p)) return 'entities';
  if (p.startsWith('/v1/blueprints')) return 'blueprints';
  return 'other';
}

export interface RateLimitOptions {
  /** Multiplies Port's limits and bursts (each at least 1). */
  scale: number;
  /** The period in seconds; Port's is 300. */
  periodSeconds?: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Seconds until one request is allowed, when refused. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(family: RouteFamily, nowMs?: number): RateDecision;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  if (!(options.scale > 0) || !Number.isFinite(options.scale)) throw new RangeError('rate limit scale must be a positive number');
  const period = options.periodSeconds ?? PORT_RATE_PERIOD_SECONDS;
  const buckets = new Map<RouteFamily, { tokens: number; at: number }>();
  return {
    take(family, nowMs = Date.now()) {
      const published = PORT_RATE_LIMITS[family];
      const limit = Math.max(1, Math.round(published.limit * options.scale));
      const burst = Math.max(1, Math.round(published.burst * options.scale));
      const perMs = limit / (period * 1000);
      let bucket = buckets.get(family);
      if (bucket === undefined) {
        bucket = { tokens: burst, at: nowMs };
        buckets.set(family, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + (nowMs - bucket.at) * perMs);
      bucket.at = nowMs;
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      const remaining = Math.floor(bucket.tokens);
      const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      const resetSeconds = Math.ceil((burst - bucket.tokens) / perMs / 1000);
      return {
        allowed,
        retryAfterSeconds,
        headers: {
          'x-ratelimit-period': String(period),
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': String(remaining),
          'x-ratelimit-reset': String(resetSeconds),
        },
      };
    },
  };
}
