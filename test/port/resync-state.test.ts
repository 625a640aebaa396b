import { nextResyncAt, provisionIntegration, reportResyncState } from '../../src/port/index.js';
import { startPortFixture, type PortFixture } from './support/port-fixture.js';

describe('resync state', () => {
  let fixture: PortFixture;
  afterEach(async () => fixture?.close());

  it('reports running then completed with the field names Port expects (intervalInMinuets)', async () => {
    fixture = await startPortFixture();
    await provisionIntegration(fixture.client, fixture.identity, { resources: { blueprints: [] }, initializePortResources: false });
    const start = new Date('2026-03-01T10:00:00.000Z');
    const next = new Date('2026-03-01T11:00:00.000Z');
    const updatedAt = await reportResyncState(fixture.client, fixture.identity, { status: 'running', lastResyncStart: start, lastResyncEnd: null, nextResync: next, intervalInMinutes: 60 });
    expect(typeof updatedAt).toBe('string');
    const read = async () =>
      (await fixture.client.request<{ integration: { resyncState: Record<string, unknown> } }>({ method: 'GET', path: '/v1/integration/acme-github', integration: fixture.identity })).body
        .integration.resyncState;
    expect(await read()).toMatchObject({ status: 'running', lastResyncStart: start.toISOString(), lastResyncEnd: null, nextResync: next.toISOString(), intervalInMinuets: 60 });
    const end = new Date('2026-03-01T10:05:00.000Z');
    await reportResyncState(fixture.client, fixture.identity, { status: 'completed', lastResyncEnd: end, nextResync: next, intervalInMinutes: 60 });
    expect(await read()).toMatchObject({ status: 'completed', lastResyncStart: start.toISOString(), lastResyncEnd: end.toISOString(), intervalInMinuets: 60 });
    for (const status of ['failed', 'aborted'] as const) {
      await reportResyncState(fixture.client, fixture.identity, { status, lastResyncEnd: end, nextResync: null, intervalInMinutes: null });
      expect(await read()).toMatchObject({ status, nextResync: null, intervalInMinuets: null });
    }
  });

  it('computes the next resync as the next multiple of the interval after now', () => {
    const start = new Date('2026-03-01T10:00:00.000Z');
    expect(nextResyncAt(start, 60, new Date('2026-03-01T10:00:00.000Z'))?.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(nextResyncAt(start, 60, new Date('2026-03-01T12:30:00.000Z'))?.toISOString()).toBe('2026-03-01T13:00:00.000Z');
    expect(nextResyncAt(start, 15, new Date('2026-03-01T09:00:00.000Z'))?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(nextResyncAt(start, null, new Date())).toBeNull();
    expect(nextResyncAt(start, 0, new Date())).toBeNull();
  });
});
