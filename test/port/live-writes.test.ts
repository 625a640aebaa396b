import { createIngestionSession, deleteOwnedEntities, upsertLiveEntities } from '../../src/port/index.js';
import { createBlueprints, RELATED_BLUEPRINTS, startPortFixture, type PortFixture } from './support/port-fixture.js';

describe('live-event writes', () => {
  let fixture: PortFixture;
  beforeEach(async () => {
    fixture = await startPortFixture();
    await createBlueprints(fixture, RELATED_BLUEPRINTS);
  });
  afterEach(async () => fixture.close());

  it('upserts related entities of one event in relation order when auto-creation is off', async () => {
    const outcomes = await upsertLiveEntities(
      fixture.client,
      fixture.identity,
      [
        { identifier: 'svc-1', blueprint: 'service', relations: { team: 't1' } },
        { identifier: 't1', blueprint: 'team_bp' },
      ],
      { createMissingRelatedEntities: false },
    );
    expect(outcomes.map((o) => [o.entity.identifier, o.status]).sort()).toEqual([
      ['svc-1', 'upserted'],
      ['t1', 'upserted'],
    ]);
    expect(fixture.emulator.entity('service', 'svc-1')?.relations).toEqual({ team: 't1' });
  });

  it('deletes only entities that exist and that this integration owns', async () => {
    const other = { identifier: 'someone-else', type: 'github', version: '1.0.0' };
    await upsertLiveEntities(fixture.client, fixture.identity, [{ identifier: 'mine', blueprint: 'domain' }]);
    await upsertLiveEntities(fixture.client, other, [{ identifier: 'theirs', blueprint: 'domain' }]);
    const result = await deleteOwnedEntities(fixture.client, fixture.identity, [
      { blueprint: 'domain', identifier: 'mine' },
      { blueprint: 'domain', identifier: 'theirs' },
      { blueprint: 'domain', identifier: 'never-existed' },
    ]);
    expect(result.deleted).toEqual([{ blueprint: 'domain', identifier: 'mine' }]);
    expect(result.notOwned.map((r) => r.identifier).sort()).toEqual(['never-existed', 'theirs']);
    expect(fixture.emulator.entity('domain', 'theirs')).toBeDefined();
    expect(fixture.emulator.entity('domain', 'mine')).toBeUndefined();
  });

  it('sends nothing for an empty delete list', async () => {
    fixture.emulator.clearRequests();
    const result = await deleteOwnedEntities(fixture.client, fixture.identity, []);
    expect(result).toEqual({ deleted: [], notOwned: [], failed: [] });
    expect(fixture.emulator.requests()).toEqual([]);
  });

  it('gets through ahead of a large resync of another integration', async () => {
    const other = { identifier: 'bulk-heavy', type: 'github', version: '1.0.0' };
    fixture.emulator.setFaults([{ path: '*', latencyMs: 20 }]);
    const big = createIngestionSession({ client: fixture.client, integration: other });
    const heavy = big.upsert(
      Array.from({ length: 6000 }, (_, i) => ({ identifier: `d${i}`, blueprint: 'domain' })),
      { kind: 'domain' },
    );
    await new Promise((resolve) => setTimeout(resolve, 60));
    await upsertLiveEntities(fixture.client, fixture.identity, [{ identifier: 'urgent', blueprint: 'domain' }]);
    await heavy;
    // The request log is newest first: count the heavy batches Port answered after the live one.
    const log = fixture.emulator.requests();
    const liveAt = log.findIndex((r) => r.userAgent.includes('/acme-github/') && r.path.endsWith('/entities/bulk'));
    const heavyAfter = log.slice(0, liveAt).filter((r) => r.userAgent.includes('/bulk-heavy/')).length;
    expect(liveAt).toBeGreaterThan(-1);
    expect(heavyAfter).toBeGreaterThan(150);
  });
});
