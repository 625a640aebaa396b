import { createIngestionSession, refKey, type IntegrationIdentity, type PortEntity } from '../../src/port/index.js';
import { createBlueprints, RELATED_BLUEPRINTS, startPortFixture, type PortFixture } from './support/port-fixture.js';

/**
 * Issue 5's acceptance: with 10% 5xx, 429s (scattered and one full storm) and 300 ms latency on
 * every route, a 20,000-entity resync over three related blueprints leaves Port holding exactly
 * the expected entities; repeating it writes nothing; a resync whose source fails half-way
 * deletes nothing.
 */
const TEAMS = 1000;
const DOMAINS = 1000;
const SERVICES = 18_000;
const EARLY = 100; // services mapped before their teams exist, to go through the deferred retry

const team = (i: number): PortEntity => ({ identifier: `team-${i}`, blueprint: 'team_bp', title: `Team ${i}`, properties: { size: i % 17 } });
const domain = (i: number): PortEntity => ({ identifier: `dom-${i}`, blueprint: 'domain', properties: { name: `Domain ${i}` } });
const service = (i: number): PortEntity => ({
  identifier: `svc-${i}`,
  blueprint: 'service',
  title: `Service ${i}`,
  properties: { lang: ['ts', 'go', 'py'][i % 3], stars: i },
  relations: { team: `team-${i % TEAMS}`, domains: [`dom-${i % DOMAINS}`, `dom-${(i + 1) % DOMAINS}`] },
});

const FAULTS = [{ path: '*', latencyMs: 300, errorRate: 0.1, errorStatuses: [500, 502, 503, 504], rateLimitStormRate: 0.01, retryAfterSeconds: 0.2 }];

describe('acceptance: 20,000-entity resync under faults', () => {
  let fixture: PortFixture;
  afterAll(async () => fixture?.close());

  const mapping = { createMissingRelatedEntities: false, deleteDependentEntities: true, entityDeletionThreshold: 0.9 };

  function freshStart(): Date {
    const start = new Date(Date.now() + 1);
    while (Date.now() <= start.getTime());
    return start;
  }

  async function resync(options: { failHalfway?: boolean; during?: () => Promise<void>; extraDomains?: PortEntity[] } = {}) {
    const run = createIngestionSession({ client: fixture.client, integration: fixture.identity, mapping, startedAt: freshStart() });
    const services = Array.from({ length: SERVICES }, (_, i) => service(i));
    // A few services come before their teams (as when kinds are mapped in that order).
    await run.upsert(services.slice(0, EARLY), { kind: 'service', resourceIndex: 0 });
    await run.upsert(Array.from({ length: TEAMS }, (_, i) => team(i)), { kind: 'team', resourceIndex: 1 });
    await run.upsert([...Array.from({ length: DOMAINS }, (_, i) => domain(i)), ...(options.extraDomains ?? [])], { kind: 'domain', resourceIndex: 2 });
    await options.during?.();
    const rest = services.slice(EARLY);
    const pages = options.failHalfway ? rest.slice(0, rest.length / 2) : rest;
    for (let at = 0; at < pages.length; at += 2000) await run.upsert(pages.slice(at, at + 2000), { kind: 'service', resourceIndex: 0 });
    if (options.failHalfway) run.recordKindError('service', new Error('the source answered 500 on page 10'));
    return run.finish();
  }

  it('loses, duplicates and wrongly deletes nothing; repeats write nothing; a half-failed source deletes nothing', async () => {
    fixture = await startPortFixture({ budget: { limits: false, concurrency: 48 } });
    await createBlueprints(fixture, RELATED_BLUEPRINTS);
    const other: IntegrationIdentity = { identifier: 'other-github', type: 'github', version: '1.0.0' };

    // Before: an older version of 1,000 services (rewritten by the resync), stale entities of
    // ours (to be deleted) and another integration's (never touched).
    const seed = createIngestionSession({ client: fixture.client, integration: fixture.identity });
    await seed.upsert(Array.from({ length: 1000 }, (_, i) => ({ ...service(1000 + i), title: 'old title', relations: {} })), { kind: 'service' });
    await seed.upsert(Array.from({ length: 50 }, (_, i) => ({ identifier: `gone-${i}`, blueprint: 'domain', properties: { name: 'old' } })), { kind: 'domain' });
    await seed.finish();
    const foreign = createIngestionSession({ client: fixture.client, integration: other });
    await foreign.upsert(Array.from({ length: 30 }, (_, i) => ({ identifier: `foreign-${i}`, blueprint: 'domain' })), { kind: 'domain' });
    await foreign.finish();

    fixture.emulator.setFaults(FAULTS);
    const liveWritten: PortEntity = { identifier: 'live-1', blueprint: 'domain', properties: { name: 'written by a live event mid-resync' } };
    const first = await resync({
      during: async () => {
        const live = createIngestionSession({ client: fixture.client, integration: fixture.identity });
        await live.upsert([liveWritten], { kind: 'domain' });
        // A full storm: every request is refused with 429 for a moment.
        fixture.emulator.setFaults([{ path: '*', latencyMs: 300, rateLimitStormRate: 1, retryAfterSeconds: 0.3 }]);
        setTimeout(() => fixture.emulator.setFaults(FAULTS), 600);
      },
    });

    expect(first.kindErrors).toEqual({});
    const total = Object.values(first.kinds).reduce((sum, counts) => sum + counts.failed, 0);
    expect(total).toBe(0);
    expect(first.retried).toMatchObject({ attempted: EARLY, upserted: EARLY, failed: 0 });
    expect(first.reconciliation).toMatchObject({ performed: true, ownedBefore: 1050, stale: 50, deleted: 50 });

    const expected = new Set<string>([
      ...Array.from({ length: TEAMS }, (_, i) => refKey('team_bp', `team-${i}`)),
      ...Array.from({ length: DOMAINS }, (_, i) => refKey('domain', `dom-${i}`)),
      ...Array.from({ length: SERVICES }, (_, i) => refKey('service', `svc-${i}`)),
      ...Array.from({ length: 30 }, (_, i) => refKey('domain', `foreign-${i}`)),
      refKey('domain', 'live-1'),
    ]);
    const held = fixture.emulator.entities();
    expect(held).toHaveLength(expected.size);
    expect(new Set(held.map((e) => refKey(e.blueprint as string, e.identifier as string)))).toEqual(expected);
    const svc = fixture.emulator.entity('service', 'svc-12345');
    expect(svc).toMatchObject({ title: 'Service 12345', properties: { lang: 'ts', stars: 12345 }, relations: { team: 'team-345', domains: ['dom-345', 'dom-346'] } });
    expect(fixture.emulator.entity('domain', 'foreign-3')?.datasource).toBe('port-ocean/github/1.0.0/other-github/exporter');

    // The same resync again (its source now has the live event's entity too): listing only,
    // no writes, no deletions.
    fixture.emulator.clearRequests();
    const second = await resync({ extraDomains: [liveWritten] });
    const writes = fixture.emulator.requests().filter((r) => r.path.endsWith('/entities/bulk') || r.path.endsWith('/bulk/entities/delete'));
    expect(writes).toEqual([]);
    expect(Object.values(second.kinds).reduce((sum, counts) => sum + counts.upserted, 0)).toBe(0);
    expect(second.requests).toBeLessThanOrEqual(Math.ceil(expected.size / 5000) + 2);

    // The source fails half-way: half the services are missing, yet nothing is deleted.
    const third = await resync({ failHalfway: true, extraDomains: [liveWritten] });
    expect(third.success).toBe(false);
    expect(third.reconciliation).toMatchObject({ performed: false, verdict: 'kind-errors', deleted: 0 });
    expect(fixture.emulator.entities()).toHaveLength(expected.size);
  }, 120_000);
});
