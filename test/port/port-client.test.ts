import { isMarinaError } from '../../src/errors.js';
import { createPortClient, createRateBudget } from '../../src/port/index.js';
import { startPortFixture, type PortFixture } from './support/port-fixture.js';

describe('Port client against the emulator', () => {
  let fixture: PortFixture;
  afterEach(async () => fixture?.close());

  it('fetches one token for many concurrent requests and sends the Ocean user agent', async () => {
    fixture = await startPortFixture();
    const { client, identity, emulator } = fixture;
    await Promise.all(Array.from({ length: 10 }, () => client.request({ method: 'GET', path: '/v1/organization', integration: identity })));
    const log = emulator.requests();
    expect(log.filter((r) => r.path === '/v1/auth/access_token')).toHaveLength(1);
    expect(log.filter((r) => r.path === '/v1/organization').every((r) => r.userAgent === 'port-ocean/github/1.2.3/acme-github')).toBe(true);
  });

  it('refreshes the token after a 401 and retries the request once', async () => {
    fixture = await startPortFixture();
    const { client, identity, emulator } = fixture;
    await client.request({ method: 'GET', path: '/v1/organization', integration: identity });
    emulator.expireTokens();
    const response = await client.request({ method: 'GET', path: '/v1/organization', integration: identity });
    expect(response.status).toBe(200);
    const log = emulator.requests().reverse();
    expect(log.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/v1/auth/access_token 200',
      '/v1/organization 200',
      '/v1/organization 401',
      '/v1/auth/access_token 200',
      '/v1/organization 200',
    ]);
  });

  it('fails fast with PORT_AUTH_FAILED on bad credentials, without the secret in the error', async () => {
    fixture = await startPortFixture({ emulator: { credentials: [{ clientId: 'good', clientSecret: 'right' }] } });
    const client = createPortClient({ baseUrl: fixture.emulator.url, clientId: 'good', clientSecret: 'wrong-secret-xyz', budget: createRateBudget({ limits: false }) });
    const failure = await client.request({ method: 'GET', path: '/v1/organization', integration: fixture.identity }).catch((error: unknown) => error);
    client.close();
    expect(isMarinaError(failure, 'PORT_AUTH_FAILED')).toBe(true);
    expect(JSON.stringify({ ...(failure as object), message: (failure as Error).message })).not.toContain('wrong-secret-xyz');
    expect(fixture.emulator.requests().filter((r) => r.path === '/v1/auth/access_token')).toHaveLength(1);
  });

  it('retries injected 5xx and connection resets until the request succeeds', async () => {
    fixture = await startPortFixture({
      emulator: { faults: [{ path: '/v1/organization', errorRate: 0.3, errorStatuses: [502, 503, 504], resetRate: 0.1 }] },
    });
    const { client, identity, emulator } = fixture;
    const answers = await Promise.all(Array.from({ length: 30 }, () => client.request({ method: 'GET', path: '/v1/organization', integration: identity })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const attempts = emulator.requests().filter((r) => r.path === '/v1/organization');
    expect(attempts.filter((r) => r.status === 200)).toHaveLength(30);
    expect(attempts.length).toBeGreaterThan(30);
  });

  it('gives up on an attempt after the timeout and retries it', async () => {
    fixture = await startPortFixture({ client: { timeoutMs: 100, retry: { baseDelayMs: 50, maxDelayMs: 50 } } });
    const { client, identity, emulator } = fixture;
    await client.request({ method: 'GET', path: '/v1/organization', integration: identity });
    emulator.setFaults([{ path: '/v1/organization', latencyMs: 400 }]);
    setTimeout(() => emulator.setFaults([]), 250);
    const sentBefore = fixture.budget.snapshot().sent;
    const response = await client.request({ method: 'GET', path: '/v1/organization', integration: identity });
    expect(response.status).toBe(200);
    // At least one attempt was abandoned at the timeout before the one that succeeded.
    expect(fixture.budget.snapshot().sent - sentBefore).toBeGreaterThanOrEqual(2);
  });

  it('reports PORT_UNAVAILABLE once the retries of a timing-out request run out', async () => {
    fixture = await startPortFixture({ client: { timeoutMs: 50, retry: { maxRetries: 2, baseDelayMs: 5 } } });
    const { client, identity, emulator } = fixture;
    emulator.setFaults([{ path: '/v1/organization', latencyMs: 300 }]);
    const failure = await client.request({ method: 'GET', path: '/v1/organization', integration: identity }).catch((error: unknown) => error);
    expect(isMarinaError(failure, 'PORT_UNAVAILABLE')).toBe(true);
    expect((failure as { details: Record<string, unknown> }).details).toMatchObject({ attempts: 3, path: '/v1/organization' });
  });

  it('does not retry a POST that is not marked safe, and names route and status in the error', async () => {
    fixture = await startPortFixture({ emulator: { faults: [{ path: '/v1/blueprints', method: 'POST', errorRate: 1, errorStatuses: [503] }] } });
    const { client, identity, emulator } = fixture;
    const failure = await client
      .request({ method: 'POST', path: '/v1/blueprints', body: { identifier: 'x', title: 'X', schema: { properties: {} } }, integration: identity })
      .catch((error: unknown) => error);
    expect(isMarinaError(failure, 'PORT_UNAVAILABLE')).toBe(true);
    expect((failure as Error).message).toContain('503');
    expect((failure as Error).message).toContain('POST /v1/blueprints');
    expect(emulator.requests().filter((r) => r.path === '/v1/blueprints')).toHaveLength(1);
  });

  it('waits out 429 storms honouring Retry-After and counts them in the budget', async () => {
    fixture = await startPortFixture({ emulator: { faults: [{ path: '/v1/organization', rateLimitStormRate: 0.5, retryAfterSeconds: 0.05 }] } });
    const { client, identity, budget } = fixture;
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.request({ method: 'GET', path: '/v1/organization', integration: identity })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(budget.snapshot().throttled).toBeGreaterThan(0);
  });
});
