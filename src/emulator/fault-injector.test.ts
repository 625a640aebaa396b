import { createFaultInjector, createRandom, validateFaultRules } from './fault-injector.js';

test('rules match by method and route pattern; the first match decides', () => {
  const faults = createFaultInjector([
    { method: 'post', path: '/v1/blueprints/:blueprint/entities/bulk', errorRate: 1, errorStatuses: [503] },
    { path: '/v1/blueprints/{bp}/entities/{id}', latencyMs: 50 },
    { path: '*', rateLimitStormRate: 1, retryAfterSeconds: 4 },
  ]);
  expect(faults.decide('POST', '/v1/blueprints/svc/entities/bulk')).toEqual({ kind: 'error', status: 503, latencyMs: 0 });
  expect(faults.decide('DELETE', '/v1/blueprints/svc/entities/a%2Fb')).toEqual({ kind: 'none', latencyMs: 50 });
  expect(faults.decide('GET', '/v1/blueprints/svc/entities/a/b')).toEqual({ kind: 'storm', retryAfterSeconds: 4, latencyMs: 0 });
  expect(faults.decide('GET', '/v1/blueprints/svc/entities/bulk')).toEqual({ kind: 'none', latencyMs: 50 });
  faults.setRules([]);
  expect(faults.decide('POST', '/v1/blueprints/svc/entities/bulk')).toEqual({ kind: 'none', latencyMs: 0 });
});

test('rates are shares of requests, reproducible with a seed', () => {
  const run = () => {
    const faults = createFaultInjector([{ errorRate: 0.1, resetRate: 0.05 }], createRandom(123));
    return Array.from({ length: 2000 }, () => faults.decide('POST', '/v1/entities/search').kind);
  };
  const kinds = run();
  expect(run()).toEqual(kinds);
  const errors = kinds.filter((k) => k === 'error').length;
  const resets = kinds.filter((k) => k === 'reset').length;
  expect(errors).toBeGreaterThan(120);
  expect(errors).toBeLessThan(260);
  expect(resets).toBeGreaterThan(50);
  expect(resets).toBeLessThan(150);
});

test.each([
  [{ errorRate: 1.5 }, 'errorRate'],
  [{ resetRate: -1 }, 'resetRate'],
  [{ latencyMs: -3 }, 'latencyMs'],
  [{ errorStatuses: [200] }, 'errorStatuses'],
  [{ path: 5 }, 'path'],
])('rejects %j naming %s', (rule, field) => {
  expect(() => validateFaultRules([rule])).toThrow(field);
});
