import { Registry } from 'prom-client';
import type { IntegrationRuntime, RunRecord } from '../../src/sync/integration-runtime.js';
import type { ResyncHub } from '../../src/sync/resync-hub.js';
import {
  createCapturingLogger,
  createTestHub,
  createTestRuntime,
  entitiesWithPrefix,
  fakeIdentity,
  fakeInstance,
  prefixedFakeMapping,
  provisionFake,
  seedOwned,
  SMALL_ORG,
  SMALL_ORG_TOTAL,
  startSyncFixture,
  type SyncFixture,
} from './support/sync-fixture.js';

/**
 * The acceptance: ten fake integrations resync concurrently against the emulator; one
 * fails half-way and one hangs. The other eight complete with exact results, the failing one
 * deletes nothing, the hung one is timed out and reported.
 */
const COUNT = 10;
const FAILING = 3;
const HUNG = 7;
const STALE = 3;
const DEPARTMENTS = ['hr', 'marketing', 'finance', 'support', 'engineering'];

let fixture: SyncFixture;
let hub: ResyncHub;
const runtimes: IntegrationRuntime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((runtime) => runtime.stop()));
  await hub?.close();
  await fixture?.close();
});

const idOf = (i: number) => `acceptance-${i}`;
const prefixOf = (i: number) => `a${i}-`;

test('ten integrations resync at once: eight exact, the failing one deletes nothing, the hung one is timed out', async () => {
  fixture = await startSyncFixture();
  const { logger, lines } = createCapturingLogger();
  const registry = new Registry();
  hub = createTestHub(fixture, logger, { maxConcurrentResyncs: COUNT, registry });

  for (let i = 0; i < COUNT; i++) {
    const identity = fakeIdentity(idOf(i));
    await provisionFake(fixture, identity, prefixedFakeMapping(fixture.resources, prefixOf(i)));
    const stale = Array.from({ length: STALE }, (_, n) => ({ identifier: `${prefixOf(i)}stale-${n}`, blueprint: 'fake-project', title: 'Left over' }));
    await seedOwned(fixture, identity, 'fake-project', stale);
    // An earlier version of the departments, so the stale ones are a minority (the threshold).
    await seedOwned(fixture, identity, 'fake-department', DEPARTMENTS.map((name) => ({ identifier: `${prefixOf(i)}${name}`, blueprint: 'fake-department', title: 'Old title' })));
    const knobs =
      i === FAILING
        ? { failAtPage: 3, failKind: 'fake-person' }
        : i === HUNG
          ? { failAtPage: 2, failKind: 'fake-project', failMode: 'hang' }
          : {};
    const runtime = createTestRuntime(fixture, hub, { identifier: idOf(i), instance: await fakeInstance({ ...SMALL_ORG, pageLatencyMs: 5, ...knobs }), listener: { type: 'WEBHOOK' }, pageTimeoutMs: i === HUNG ? 400 : 30_000 }, logger);
    runtimes.push(runtime);
    await runtime.start();
  }

  // As Port's webhook calls would: every request is answered with a run id at once.
  const handles = runtimes.map((runtime) => runtime.requestResync({ source: 'listener', reason: 'acceptance' }));
  for (const handle of handles) expect(handle.runId).toMatch(/^[0-9a-f-]{36}$/);
  const records: RunRecord[] = await Promise.all(handles.map((handle) => handle.done));

  // They ran side by side, not one after another.
  const latestStart = Math.max(...records.map((record) => Date.parse(record.startedAt!)));
  const earliestEnd = Math.min(...records.map((record) => Date.parse(record.endedAt!)));
  expect(latestStart).toBeLessThanOrEqual(earliestEnd);

  for (let i = 0; i < COUNT; i++) {
    const record = records[i]!;
    const inPort = entitiesWithPrefix(fixture.emulator, prefixOf(i));
    const stale = inPort.filter((entity) => entity.identifier.includes('stale-'));
    if (i === FAILING) {
      expect(record.status).toBe('failed');
      expect(record.errors.map((error) => [error.kind, error.code])).toEqual([['fake-person', 'RESYNC_PLUGIN_FAILED']]);
      expect(record.reconciliation).toMatchObject({ performed: false, verdict: 'kind-errors', deleted: 0 });
      expect(stale).toHaveLength(STALE);
      expect(record.progress?.kinds.find((block) => block.kind === 'fake-person')).toMatchObject({ state: 'failed', upserted: 20 });
    } else if (i === HUNG) {
      expect(record.status).toBe('failed');
      expect(record.errors.map((error) => [error.kind, error.code])).toEqual([['fake-project', 'RESYNC_PAGE_TIMEOUT']]);
      expect(record.errors[0]!.message).toContain('within 400 ms');
      expect(stale).toHaveLength(STALE);
    } else {
      expect(record.errors).toEqual([]);
      expect(record.status).toBe('completed');
      expect(record.progress?.totals).toEqual({ records: SMALL_ORG_TOTAL, mapped: SMALL_ORG_TOTAL, filtered: 0, skipped: 0, upserted: SMALL_ORG_TOTAL, unchanged: 0, failed: 0, deleted: STALE });
      expect(stale).toEqual([]);
      expect(inPort).toHaveLength(SMALL_ORG_TOTAL);
      expect(inPort.every((entity) => entity.datasource.endsWith(`/${idOf(i)}/exporter`))).toBe(true);
      expect(fixture.emulator.entity('fake-person', `${prefixOf(i)}emp-0000042`)).toMatchObject({ relations: { department: expect.stringMatching(new RegExp(`^${prefixOf(i)}`)) } });
    }
    // The record stays available by run id, as GET /integrations/:id/resync/:runId serves it.
    expect(runtimes[i]!.run(handles[i]!.runId)?.status).toBe(record.status);
  }

  const states = await Promise.all(
    runtimes.map(async (_, i) => {
      const response = await fixture.client.request<{ integration: { resyncState: { status: string } } }>({ method: 'GET', path: `/v1/integration/${idOf(i)}`, integration: fakeIdentity(idOf(i)) });
      return response.body.integration.resyncState.status;
    }),
  );
  expect(states.filter((status) => status === 'completed')).toHaveLength(COUNT - 2);
  expect(states[FAILING]).toBe('failed');
  expect(states[HUNG]).toBe('failed');

  const metrics = await registry.getSingleMetricAsString('marina_resync_entities_total');
  expect(metrics).toContain(`marina_resync_entities_total{integration="${idOf(0)}",kind="fake-project",outcome="deleted"} ${STALE}`);
  expect(metrics).toContain(`marina_resync_entities_total{integration="${idOf(0)}",kind="fake-person",outcome="upserted"} 60`);
  expect(lines.some((line) => line.includes('RESYNC_PAGE_TIMEOUT'))).toBe(true);
});
