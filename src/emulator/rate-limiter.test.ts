import { createRateLimiter, routeFamily } from './rate-limiter.js';

test.each([
  ['POST', '/v1/auth/access_token', 'unauthenticated'],
  ['POST', '/v1/blueprints/svc/entities', 'entity-upsert'],
  ['POST', '/v1/blueprints/svc/entities/bulk', 'entities-bulk-upsert'],
  ['POST', '/v1/entities/search', 'entities-search'],
  ['POST', '/v1/blueprints/svc/entities/search', 'entities-search'],
  ['POST', '/v1/blueprints/entities/datasource-entities', 'entities-search'],
  ['DELETE', '/v1/blueprints/svc/entities/a%2Fb', 'entities'],
  ['POST', '/v1/blueprints/svc/bulk/entities/delete', 'entities'],
  ['GET', '/v1/blueprints/svc', 'blueprints'],
  ['POST', '/v1/blueprints', 'blueprints'],
  ['GET', '/v1/organization', 'other'],
  ['PATCH', '/v1/integration/x/resync-state', 'other'],
])('%s %s is in family %s', (method, path, family) => {
  expect(routeFamily(method, path)).toBe(family);
});

test('a bucket of `burst` tokens refilling at limit/period, with headers', () => {
  // Single upsert: 10,000 / 300 s, burst 200. Scale 0.01 → limit 100, burst 2; refill 1 per 3 s.
  const limiter = createRateLimiter({ scale: 0.01 });
  const t0 = 1_000_000;
  const first = limiter.take('entity-upsert', t0);
  expect(first).toMatchObject({ allowed: true, headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-period': '300', 'x-ratelimit-remaining': '1' } });
  expect(limiter.take('entity-upsert', t0).allowed).toBe(true);
  const refused = limiter.take('entity-upsert', t0);
  expect(refused.allowed).toBe(false);
  expect(refused.retryAfterSeconds).toBe(3);
  expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  expect(refused.headers['x-ratelimit-reset']).toBe('6');
  // Families are independent.
  expect(limiter.take('entities-search', t0).allowed).toBe(true);
  expect(limiter.take('entity-upsert', t0 + 2_999).allowed).toBe(false);
  expect(limiter.take('entity-upsert', t0 + 3_001).allowed).toBe(true);
  // A long pause refills only up to the burst.
  const later = limiter.take('entity-upsert', t0 + 3_600_000);
  expect(later.headers['x-ratelimit-remaining']).toBe('1');
});

test('limits never scale below one request and the scale must be positive', () => {
  const limiter = createRateLimiter({ scale: 0.000001, periodSeconds: 10 });
  expect(limiter.take('unauthenticated', 0).headers).toMatchObject({ 'x-ratelimit-limit': '1', 'x-ratelimit-period': '10' });
  expect(() => createRateLimiter({ scale: 0 })).toThrow('scale');
});
