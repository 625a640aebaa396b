import { createRetryPolicy, parseWaitHeader, serverHintMs } from './retry-policy.js';

describe('retry policy', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('retries the transient statuses, and 500 only for idempotent requests', () => {
    const policy = createRetryPolicy();
    for (const status of [408, 429, 502, 503, 504]) expect(policy.retriesStatus(status, false)).toBe(true);
    expect(policy.retriesStatus(500, false)).toBe(false);
    expect(policy.retriesStatus(500, true)).toBe(true);
    for (const status of [400, 401, 404, 409, 413, 422]) expect(policy.retriesStatus(status, true)).toBe(false);
  });

  it('retries connection errors and got timeouts, not programming errors', () => {
    const policy = createRetryPolicy();
    expect(policy.retriesError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(policy.retriesError(Object.assign(new Error('t'), { name: 'TimeoutError', code: 'ETIMEDOUT' }))).toBe(true);
    expect(policy.retriesError(new TypeError('x is not a function'))).toBe(false);
  });

  it('backs off exponentially with bounded jitter and a cap', () => {
    const low = createRetryPolicy({ baseDelayMs: 100, jitterRatio: 0.2, maxDelayMs: 1000 }, () => 0);
    const high = createRetryPolicy({ baseDelayMs: 100, jitterRatio: 0.2, maxDelayMs: 1000 }, () => 0.999999);
    expect(low.delayMs(1)).toBeCloseTo(80);
    expect(high.delayMs(1)).toBeCloseTo(120, 0);
    expect(low.delayMs(3)).toBeCloseTo(320);
    expect(high.delayMs(10)).toBe(1000);
  });

  it('honours Retry-After first, and x-ratelimit-reset only on a 429', () => {
    const policy = createRetryPolicy({ maxDelayMs: 600_000 }, () => 0.5, () => now);
    expect(policy.delayMs(1, { status: 503, headers: { 'retry-after': '7', 'x-ratelimit-reset': '120' } })).toBe(7000);
    expect(policy.delayMs(1, { status: 503, headers: { 'x-ratelimit-reset': '120' } })).toBe(300);
    expect(policy.delayMs(1, { status: 429, headers: { 'x-ratelimit-reset': '120' } })).toBe(120_000);
  });

  it('caps what the server asks for', () => {
    const policy = createRetryPolicy({ maxDelayMs: 5000 }, () => 0.5, () => now);
    expect(policy.delayMs(1, { status: 429, headers: { 'retry-after': '3600' } })).toBe(5000);
  });

  it('reads x-ratelimit-reset as an epoch when it is above 10,000, else as seconds', () => {
    expect(parseWaitHeader(String(now / 1000 + 42), now)).toBe(42_000);
    expect(parseWaitHeader(String(now / 1000 - 5), now)).toBe(0);
    expect(parseWaitHeader('9999', now)).toBe(9_999_000);
    expect(parseWaitHeader('1.5', now)).toBe(1500);
    expect(parseWaitHeader(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    expect(parseWaitHeader('2026-01-01T12:00:10Z', now)).toBe(10_000);
    expect(parseWaitHeader('soon', now)).toBeUndefined();
    expect(serverHintMs(429, { 'retry-after': ['2'] }, now)).toBe(2000);
  });
});
