import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConditionalCache } from '../client/conditional-cache.js';
import { createRateBudget, createRateBudgetRegistry } from '../client/rate-budget.js';
import { createRecordingLogger } from './github-test-support.js';

const inAnHour = () => String(Math.ceil((Date.now() + 3_600_000) / 1000));

describe('rate budget', () => {
  it('keeps the reserve for live events: resyncs wait past the threshold, live requests go', async () => {
    const logger = createRecordingLogger();
    const budget = createRateBudget('token', logger);
    budget.observe({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '40', 'x-ratelimit-reset': inAnHour(), 'x-ratelimit-resource': 'core' }, { resource: 'core', notModified: false });
    await expect(budget.acquire({ resource: 'core', lane: 'live', threshold: 50 })).resolves.toBeUndefined();
    // Below the threshold, resyncs go too.
    await expect(budget.acquire({ resource: 'core', lane: 'resync', threshold: 70 })).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = budget.acquire({ resource: 'core', lane: 'resync', threshold: 50, signal: controller.signal });
    let settled = false;
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    controller.abort(new Error('resync aborted'));
    await expect(waiting).rejects.toThrow('resync aborted');
    expect(logger.lines.some((line) => /resyncRatelimitReservationThreshold \(50% of 100\)/.test(line.msg ?? ''))).toBe(true);
  });

  it('counts requests, 304s and points, and trusts the lowest remaining of a window', () => {
    const budget = createRateBudget('token', createRecordingLogger());
    const reset = inAnHour();
    budget.observe({ 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4000', 'x-ratelimit-reset': reset }, { resource: 'core', notModified: false });
    budget.observe({ 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4100', 'x-ratelimit-reset': reset }, { resource: 'core', notModified: true });
    const stats = budget.stats();
    expect(stats.resources['core']).toMatchObject({ limit: 5000, remaining: 4000 });
    expect(stats.pointsSpent).toEqual({ core: 1 });
    expect(stats.notModified).toEqual({ core: 1 });
  });

  it('is shared per credential and released with its last holder', () => {
    const registry = createRateBudgetRegistry();
    const one = registry.hold('token-a', createRecordingLogger());
    const two = registry.hold('token-a', createRecordingLogger());
    const other = registry.hold('token-b', createRecordingLogger());
    expect(two.budget).toBe(one.budget);
    expect(other.budget).not.toBe(one.budget);
    one.release();
    two.release();
    expect(registry.hold('token-a', createRecordingLogger()).budget).not.toBe(one.budget);
  });
});

describe('conditional cache', () => {
  it('forgets an entry it cannot read back, and keeps the total under its cap', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marina-github-cache-'));
    const logger = createRecordingLogger();
    const cache = createConditionalCache({ dataDir, logger, maxBytes: 4000 });
    const key = cache.keyOf('identity', 'https://api.github.com/orgs/acme/repos?page=1', 'application/vnd.github+json');
    await cache.store(key, 'W/"1"', { headers: { link: '<x>; rel="next"' }, data: [{ id: 1 }] });
    expect(cache.validator(key)).toEqual({ etag: 'W/"1"' });
    expect(await cache.read(key)).toEqual({ headers: { link: '<x>; rel="next"' }, data: [{ id: 1 }] });
    const [file] = readdirSync(path.join(dataDir, 'http-cache', 'entries'));
    writeFileSync(path.join(dataDir, 'http-cache', 'entries', file!), 'not gzip');
    expect(await cache.read(key)).toBeUndefined();
    expect(cache.validator(key)).toBeUndefined();
    // Entries of ~1 KB compressed against a 4 KB cap: the oldest go.
    const random = (n: number) => Array.from({ length: n }, (_, i) => `${Math.random().toString(36)}${i}`).join('');
    for (let i = 0; i < 10; i++) await cache.store(`k${i}`, `"${i}"`, { headers: {}, data: random(80) });
    expect(cache.stats().bytes).toBeLessThanOrEqual(4000);
    expect(cache.validator('k9')).toBeDefined();
    expect(cache.validator('k0')).toBeUndefined();
    await cache.close();
    // The index outlives the process.
    const reopened = createConditionalCache({ dataDir, logger, maxBytes: 4000 });
    expect(reopened.validator('k9')).toEqual({ etag: '"9"' });
    await reopened.close();
  });
});
