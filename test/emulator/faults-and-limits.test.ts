import { request as httpRequest } from 'node:http';
import { startEmulator } from '../../src/emulator/index.js';
import { createPortTestClient } from './port-test-client.js';

const BULK = '/v1/blueprints/:blueprint/entities/bulk';

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  const emulator = await startEmulator(options);
  const port = createPortTestClient(emulator.url);
  return { emulator, port };
}

/** Sends a request and reports whether the connection was dropped without an answer. */
function rawPost(url: string, path: string, token: string, body: unknown): Promise<{ reset: boolean; status?: number }> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(`${url}${path}`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ reset: false, status: res.statusCode }));
    });
    req.on('error', () => resolve({ reset: true }));
    req.end(payload);
  });
}

describe('fault injection', () => {
  test('error rate answers 5xx in the envelope at about the configured share', async () => {
    const { emulator, port } = await setup({ seed: 42 });
    try {
      await port.call('POST', '/v1/blueprints', { identifier: 'svc', title: 'Svc', schema: { properties: {} } });
      emulator.setFaults([{ method: 'POST', path: BULK, errorRate: 0.3 }]);
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) {
        const response = await port.call('POST', '/v1/blueprints/svc/entities/bulk?upsert=true', { entities: [{ identifier: `e${i}` }] });
        statuses.push(response.status);
        if (response.status >= 500) expect(response.body).toMatchObject({ ok: false, error: 'internal_error' });
      }
      const failed = statuses.filter((s) => s >= 500);
      expect(new Set(failed)).toEqual(new Set([500, 502, 503]));
      expect(failed.length).toBeGreaterThan(30);
      expect(failed.length).toBeLessThan(90);
      // Failed requests stored nothing; the others stored their entity.
      expect(emulator.counts().entities).toBe(statuses.filter((s) => s === 200).length);
      // Other routes are untouched by a rule on the bulk route.
      expect((await port.call('GET', '/v1/blueprints/svc')).status).toBe(200);
      expect(emulator.requests().some((r) => r.fault?.startsWith('error-'))).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  test('429 storms carry Retry-After; latency delays; resets drop the connection', async () => {
    const { emulator, port } = await setup({ seed: 7, faults: [{ path: '/v1/organization', rateLimitStormRate: 1, retryAfterSeconds: 3 }] });
    try {
      const storm = await port.call('GET', '/v1/organization');
      expect(storm.status).toBe(429);
      expect(storm.headers.get('retry-after')).toBe('3');
      expect(storm.body.ok).toBe(false);

      const setViaHttp = await fetch(`${emulator.url}/_emulator/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rules: [{ path: '/v1/organization', latencyMs: 150 }, { method: 'POST', path: '*', resetRate: 1 }] }),
      });
      expect(setViaHttp.status).toBe(200);
      const began = Date.now();
      expect((await port.call('GET', '/v1/organization')).status).toBe(200);
      // Latency is part of the behaviour under test: the answer cannot come before the delay.
      expect(Date.now() - began).toBeGreaterThanOrEqual(140);

      const token = await port.token();
      expect(await rawPost(emulator.url, '/v1/entities/search', token, { combinator: 'and', rules: [] })).toEqual({ reset: true });
      expect(emulator.requests()[0]).toMatchObject({ fault: 'reset' });

      const bad = await fetch(`${emulator.url}/_emulator/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ errorRate: 2 }] }) });
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as { message: string }).message).toContain('errorRate');
      emulator.setFaults([]);
      expect(await rawPost(emulator.url, '/v1/entities/search', token, { combinator: 'and', rules: [] })).toEqual({ reset: false, status: 200 });
    } finally {
      await emulator.close();
    }
  });
});

describe('rate limits', () => {
  test('scaled limits: headers on every answer, 429 with Retry-After once the burst is spent', async () => {
    // Entities bulk upsert: 35,000 / 5 min with a burst of 3,500; scaled by 0.002 → limit 70, burst 7.
    const { emulator, port } = await setup({ rateLimits: { scale: 0.002 } });
    try {
      await port.call('POST', '/v1/blueprints', { identifier: 'svc', title: 'Svc', schema: { properties: {} } });
      const remaining: number[] = [];
      let refused: Awaited<ReturnType<typeof port.call>> | undefined;
      for (let i = 0; i < 12 && refused === undefined; i++) {
        const response = await port.call('POST', '/v1/blueprints/svc/entities/bulk?upsert=true', { entities: [{ identifier: `e${i}` }] });
        expect(response.headers.get('x-ratelimit-limit')).toBe('70');
        expect(response.headers.get('x-ratelimit-period')).toBe('300');
        if (response.status === 429) refused = response;
        else remaining.push(Number(response.headers.get('x-ratelimit-remaining')));
      }
      expect(remaining).toEqual([6, 5, 4, 3, 2, 1, 0]);
      expect(refused?.body).toMatchObject({ ok: false, error: 'rate_limit_exceeded' });
      // One token refills in 300 s / 70 ≈ 4.3 s.
      expect(refused?.headers.get('retry-after')).toMatch(/^[1-5]$/);
      expect(Number(refused?.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      // Another family has its own bucket.
      const other = await port.call('GET', '/v1/blueprints/svc');
      expect(other.status).toBe(200);
      expect(other.headers.get('x-ratelimit-limit')).toBe('30');
    } finally {
      await emulator.close();
    }
  });

  test('off by default: no rate-limit headers', async () => {
    const { emulator, port } = await setup();
    try {
      const response = await port.call('GET', '/v1/organization');
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await emulator.close();
    }
  });
});
