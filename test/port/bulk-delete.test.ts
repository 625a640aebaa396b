import { bulkDelete, createIngestionSession, upsertLiveEntities } from '../../src/port/index.js';
import { createBlueprints, startPortFixture, type PortFixture } from './support/port-fixture.js';

describe('bulk delete and aborts against the emulator', () => {
  let fixture: PortFixture;
  beforeEach(async () => {
    fixture = await startPortFixture();
    await createBlueprints(fixture, [
      { identifier: 'owner_bp', title: 'Owner', schema: { properties: {} } },
      { identifier: 'pet', title: 'Pet', schema: { properties: {} }, relations: { owner: { target: 'owner_bp', required: true, many: false } } },
    ]);
  });
  afterEach(async () => fixture.close());

  it('retries one by one when Port refuses a whole batch, so the deletable ones still go', async () => {
    await upsertLiveEntities(fixture.client, fixture.identity, [
      { identifier: 'held', blueprint: 'owner_bp' },
      { identifier: 'free', blueprint: 'owner_bp' },
      { identifier: 'rex', blueprint: 'pet', relations: { owner: 'held' } },
    ]);
    const result = await bulkDelete(fixture.client, fixture.identity, 'owner_bp', ['held', 'free'], { deleteDependents: false });
    expect(result.deleted).toEqual(['free']);
    expect(result.failed.map((f) => f.identifier)).toEqual(['held']);
    expect(result.failed[0]!.message).toContain('/v1/blueprints/owner_bp/bulk/entities/delete');
    expect(fixture.emulator.entity('owner_bp', 'held')).toBeDefined();
  });

  it('drops a search identifier that matches nothing (unresolved), without failing the resync', async () => {
    const session = createIngestionSession({ client: fixture.client, integration: fixture.identity });
    const summary = await session.upsert(
      [{ identifier: { combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 'nobody' }] }, blueprint: 'owner_bp', title: 'x' }],
      { kind: 'owner' },
    );
    expect(summary).toMatchObject({ unresolved: 1, failed: 0, upserted: 0 });
    expect((await session.finish()).success).toBe(true);
  });

  it('an aborted resync stops its requests and deletes nothing', async () => {
    await upsertLiveEntities(fixture.client, fixture.identity, [{ identifier: 'old', blueprint: 'owner_bp' }]);
    const controller = new AbortController();
    fixture.emulator.setFaults([{ path: '*', latencyMs: 50 }]);
    const session = createIngestionSession({ client: fixture.client, integration: fixture.identity, signal: controller.signal, startedAt: new Date(Date.now() + 1) });
    const pending = session.upsert(Array.from({ length: 400 }, (_, i) => ({ identifier: `o${i}`, blueprint: 'owner_bp' })), { kind: 'owner' });
    setTimeout(() => controller.abort(new Error('a newer resync started')), 20);
    await expect(pending).rejects.toThrow('a newer resync started');
    const outcome = await session.finish({ aborted: true });
    expect(outcome.success).toBe(false);
    expect(outcome.reconciliation).toMatchObject({ performed: false, verdict: 'aborted', deleted: 0 });
    expect(fixture.emulator.entity('owner_bp', 'old')).toBeDefined();
  });
});
