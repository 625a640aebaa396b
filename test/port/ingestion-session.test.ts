import { createEntityOwnership, createIngestionSession, refKey, type PortEntity } from '../../src/port/index.js';
import { createCapturingLogger } from '../sync/support/sync-fixture.js';
import { createBlueprints, RELATED_BLUEPRINTS, startPortFixture, type PortFixture } from './support/port-fixture.js';

const service = (i: number, extra: Partial<PortEntity> = {}): PortEntity => ({
  identifier: `svc-${i}`,
  blueprint: 'service',
  title: `Service ${i}`,
  properties: { lang: i % 2 === 0 ? 'ts' : 'go', stars: i },
  relations: { team: `team-${i % 3}`, domains: [`dom-${i % 2}`] },
  ...extra,
});
const team = (i: number): PortEntity => ({ identifier: `team-${i}`, blueprint: 'team_bp', properties: { size: i } });
const domain = (i: number): PortEntity => ({ identifier: `dom-${i}`, blueprint: 'domain', properties: { name: `D${i}` } });

describe('ingestion session against the emulator', () => {
  let fixture: PortFixture;
  beforeEach(async () => {
    fixture = await startPortFixture();
    await createBlueprints(fixture, RELATED_BLUEPRINTS);
  });
  afterEach(async () => fixture.close());

  // Port's `before` is strict (updatedAt < before): a resync that starts in the very millisecond
  // of the previous one's last write would not see that write as stale, so step off it.
  const session = (mapping = {}, startedAt?: Date) => {
    const start = startedAt ?? new Date(Date.now() + 1);
    while (Date.now() <= start.getTime());
    return createIngestionSession({ client: fixture.client, integration: fixture.identity, mapping, startedAt: start });
  };

  async function fullResync(count: number, mapping = {}): Promise<Awaited<ReturnType<ReturnType<typeof session>['finish']>>> {
    const run = session(mapping);
    await run.upsert([0, 1, 2].map(team), { kind: 'team', resourceIndex: 0 });
    await run.upsert([0, 1].map(domain), { kind: 'domain', resourceIndex: 1 });
    await run.upsert(Array.from({ length: count }, (_, i) => service(i)), { kind: 'service', resourceIndex: 2 });
    return run.finish();
  }

  it('writes everything once, then skips unchanged entities with listing requests only', async () => {
    const first = await fullResync(120);
    expect(first.kinds.service).toMatchObject({ received: 120, upserted: 120, failed: 0 });
    expect(fixture.emulator.counts().entitiesByBlueprint).toEqual({ team_bp: 3, domain: 2, service: 120 });
    expect(fixture.emulator.entity('service', 'svc-7')?.datasource).toBe('port-ocean/github/1.2.3/acme-github/exporter');

    fixture.emulator.clearRequests();
    const second = await fullResync(120);
    expect(second.kinds.service).toMatchObject({ upserted: 0, skipped: 120 });
    const sent = fixture.emulator.requests().map((r) => `${r.method} ${r.path}`);
    expect(sent).toEqual(['POST /v1/blueprints/entities/datasource-entities']);
    expect(second.reconciliation).toMatchObject({ performed: true, verdict: 'nothing-stale', deleted: 0 });
  });

  it('rewrites only the entities that changed', async () => {
    await fullResync(30);
    const run = session();
    const summary = await run.upsert(
      Array.from({ length: 30 }, (_, i) => (i === 4 ? service(i, { properties: { lang: 'rust', stars: 4 } }) : service(i))),
      { kind: 'service' },
    );
    expect(summary).toMatchObject({ upserted: 1, skipped: 29 });
    expect(fixture.emulator.entity('service', 'svc-4')?.properties).toMatchObject({ lang: 'rust' });
  });

  it('deletes stale entities in bulk after a clean resync, and logs each deletion', async () => {
    await fullResync(50);
    const lines: unknown[] = [];
    const logger = { debug() {}, info: (obj: object) => lines.push(obj), warn() {}, error() {} };
    await new Promise((resolve) => setTimeout(resolve, 2));
    const run = createIngestionSession({ client: fixture.client, integration: fixture.identity, logger, startedAt: new Date() });
    await run.upsert([0, 1, 2].map(team), { kind: 'team' });
    await run.upsert([0, 1].map(domain), { kind: 'domain' });
    await run.upsert(Array.from({ length: 40 }, (_, i) => service(i)), { kind: 'service' });
    const outcome = await run.finish();
    expect(outcome.reconciliation).toMatchObject({ performed: true, ownedBefore: 55, stale: 10, deleted: 10 });
    expect(fixture.emulator.counts().entitiesByBlueprint.service).toBe(40);
    const deletedLogged = lines.flatMap((line) => ((line as { identifiers?: string[] }).identifiers ?? []));
    expect(deletedLogged.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `svc-${40 + i}`).sort());
  });

  it('deletes nothing when any kind failed', async () => {
    await fullResync(20);
    const run = session();
    await run.upsert([0, 1, 2].map(team), { kind: 'team' });
    await run.upsert(Array.from({ length: 10 }, (_, i) => service(i)), { kind: 'service' });
    run.recordKindError('domain', new Error('GitHub answered 500'));
    const outcome = await run.finish();
    expect(outcome.success).toBe(false);
    expect(outcome.reconciliation).toMatchObject({ performed: false, verdict: 'kind-errors', deleted: 0 });
    expect(fixture.emulator.counts().entities).toBe(25);
  });

  it('applies the deletion threshold', async () => {
    await fullResync(20);
    const run = session({ entityDeletionThreshold: 0.5 });
    await run.upsert([team(0)], { kind: 'team' });
    const outcome = await run.finish();
    expect(outcome.reconciliation).toMatchObject({ performed: false, verdict: 'threshold', ownedBefore: 25, stale: 24 });
    expect(fixture.emulator.counts().entities).toBe(25);
  });

  it('keeps entities that live events wrote during the resync', async () => {
    await fullResync(5);
    // `before` is strict: step off the millisecond of the previous resync's last write.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const startedAt = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const run = session({}, startedAt);
    await run.upsert([0, 1, 2].map(team), { kind: 'team' });
    await run.upsert([0, 1].map(domain), { kind: 'domain' });
    // A live event rewrites svc-3 after the resync began; the resync's source no longer has it.
    const live = createIngestionSession({ client: fixture.client, integration: fixture.identity });
    await live.upsert([service(3, { title: 'touched live' })], { kind: 'service' });
    await run.upsert([0, 1, 2].map((i) => service(i)), { kind: 'service' });
    const outcome = await run.finish();
    expect(outcome.reconciliation).toMatchObject({ performed: true, stale: 1, deleted: 1 });
    expect(fixture.emulator.entity('service', 'svc-3')?.title).toBe('touched live');
    expect(fixture.emulator.entity('service', 'svc-4')).toBeUndefined();
  });

  it('protects relation targets of kept entities when createMissingRelatedEntities is on', async () => {
    await fullResync(6);
    const run = session({ createMissingRelatedEntities: true });
    // Teams and domains are gone from the source, but the services still point at them.
    await run.upsert(Array.from({ length: 6 }, (_, i) => service(i)), { kind: 'service' });
    const outcome = await run.finish({});
    expect(outcome.reconciliation).toMatchObject({ stale: 5, protected: 5, deleted: 0 });
    expect(fixture.emulator.counts().entities).toBe(11);
  });

  it('retries entities refused for a missing related entity, targets first, when auto-creation is off', async () => {
    const run = session({ createMissingRelatedEntities: false });
    // Services arrive before the teams and domains they point at.
    const early = await run.upsert(Array.from({ length: 4 }, (_, i) => service(i)), { kind: 'service' });
    expect(early).toMatchObject({ deferred: 4, upserted: 0 });
    await run.upsert([0, 1, 2].map(team), { kind: 'team' });
    await run.upsert([0, 1].map(domain), { kind: 'domain' });
    const outcome = await run.finish();
    expect(outcome.retried).toEqual({ attempted: 4, upserted: 4, failed: 0 });
    expect(fixture.emulator.counts().entitiesByBlueprint.service).toBe(4);
  });

  it('deletes dependents first when deleteDependentEntities is off', async () => {
    const chain = [
      { identifier: 'team-a', blueprint: 'team_bp', properties: { size: 1 } },
      { identifier: 'svc-a', blueprint: 'service', relations: { team: 'team-a' } },
      { identifier: 'svc-b', blueprint: 'service', relations: { team: 'team-a' } },
      { identifier: 'keep', blueprint: 'service' },
    ];
    const first = session({ deleteDependentEntities: false });
    await first.upsert(chain, { kind: 'all' });
    await first.finish();
    const second = session({ deleteDependentEntities: false, createMissingRelatedEntities: false, entityDeletionThreshold: 1 });
    await second.upsert([chain[3]!], { kind: 'all' });
    const outcome = await second.finish();
    expect(outcome.reconciliation).toMatchObject({ stale: 3, deleted: 3, deleteFailed: 0 });
    expect(fixture.emulator.counts().entities).toBe(1);
  });

  it('splits a batch Port refuses as too large (413) and still writes every entity', async () => {
    const { bulkUpsert } = await import('../../src/port/bulk-upsert.js');
    const big = Array.from({ length: 6 }, (_, i) => ({ identifier: `big-${i}`, blueprint: 'domain', properties: { name: 'x'.repeat(300_000) } }));
    // Allow 4 MiB locally so the first request is too large for Port and must be split.
    const outcomes = await bulkUpsert(fixture.client, fixture.identity, 'domain', big, { merge: true, createMissingRelatedEntities: true }, { maxBytes: 4 * 1024 * 1024 });
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('upserted'));
    expect(fixture.emulator.requests().some((r) => r.status === 413)).toBe(true);
    expect(fixture.emulator.counts().entitiesByBlueprint.domain).toBe(6);
  });
});

describe('entities another integration of the organization holds', () => {
  let fixture: PortFixture;
  beforeEach(async () => {
    fixture = await startPortFixture();
    await createBlueprints(fixture, RELATED_BLUEPRINTS);
  });
  afterEach(async () => fixture.close());

  const other = { identifier: 'acme-github-copy', type: 'github', version: '1.2.3' };
  const entities = () => [...[0, 1, 2].map(team), ...[0, 1].map(domain), ...Array.from({ length: 12 }, (_, i) => service(i))];
  const load = async (run: ReturnType<typeof createIngestionSession>) => {
    const all = entities();
    for (const blueprint of ['team_bp', 'domain', 'service']) await run.upsert(all.filter((entity) => entity.blueprint === blueprint), { kind: blueprint });
    return run.finish();
  };

  it('names the integration whose ledger holds what this session took, and publishes its own ledger for the next', async () => {
    const ownership = createEntityOwnership();
    const first = await load(createIngestionSession({ client: fixture.client, integration: other, ownership }));
    expect(first.conflicts).toEqual([]);
    expect(ownership.sizeOf(other.identifier)).toBe(17);
    expect(ownership.holders(refKey('service', 'svc-3'), fixture.identity.identifier)).toEqual([other.identifier]);

    const { logger, lines } = createCapturingLogger();
    const taking = await load(createIngestionSession({ client: fixture.client, integration: fixture.identity, ownership, logger }));
    expect(taking.conflicts).toEqual([{ integration: other.identifier, count: 17, examples: ['team_bp/team-0', 'team_bp/team-1', 'team_bp/team-2', 'domain/dom-0', 'domain/dom-1'] }]);
    const warned = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['otherIntegration'] !== undefined);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, otherIntegration: other.identifier, count: 17, blueprint: 'team_bp', identifier: 'team-0' });

    // The first one takes them back and names the second, unless the second has stopped meanwhile.
    ownership.forget(fixture.identity.identifier);
    const alone = await load(createIngestionSession({ client: fixture.client, integration: other, ownership }));
    expect(alone.conflicts).toEqual([]);
  });

  it('names nobody when its own listing failed (then "not listed" proves nothing)', async () => {
    const ownership = createEntityOwnership();
    await load(createIngestionSession({ client: fixture.client, integration: other, ownership }));
    fixture.emulator.setFaults([{ method: 'POST', path: '/v1/blueprints/entities/datasource-entities', errorRate: 1, errorStatuses: [400] }]);
    const blind = await load(createIngestionSession({ client: fixture.client, integration: fixture.identity, ownership }));
    expect(blind.kinds['service']).toMatchObject({ upserted: 12 });
    expect(blind.conflicts).toEqual([]);
    // Its ledger is not published either: the other integration's view is not disturbed.
    expect(ownership.sizeOf(fixture.identity.identifier)).toBe(0);
  });
});
