import { isMarinaError } from '../../src/errors.js';
import type { IntegrationRuntime } from '../../src/sync/integration-runtime.js';
import type { ResyncHub } from '../../src/sync/resync-hub.js';
import {
  createCapturingLogger,
  createTestHub,
  createTestRuntime,
  eventually,
  fakeIdentity,
  fakeInstance,
  prefixedFakeMapping,
  provisionFake,
  seedOwned,
  SMALL_ORG,
  SMALL_ORG_TOTAL,
  startSyncFixture,
  type RuntimeSpec,
  type SyncFixture,
} from './support/sync-fixture.js';

let fixture: SyncFixture;
let hub: ResyncHub;
let runtimes: IntegrationRuntime[] = [];

beforeAll(async () => {
  fixture = await startSyncFixture();
  hub = createTestHub(fixture, createCapturingLogger().logger);
});
afterEach(async () => {
  await Promise.all(runtimes.map((runtime) => runtime.stop()));
  runtimes = [];
});
afterAll(async () => {
  await hub.close();
  await fixture.close();
});

async function runtimeFor(spec: Omit<RuntimeSpec, 'instance'> & { config?: Record<string, unknown> }): Promise<IntegrationRuntime> {
  // Each integration its own identifiers, so concurrent runs never take each other's entities.
  await provisionFake(fixture, fakeIdentity(spec.identifier), prefixedFakeMapping(fixture.resources, `${spec.identifier}:`));
  const runtime = createTestRuntime(fixture, hub, { ...spec, instance: await fakeInstance(spec.config ?? SMALL_ORG) }, createCapturingLogger().logger);
  runtimes.push(runtime);
  await runtime.start();
  return runtime;
}

test('a webhook request is answered with a run id at once; the run is looked up by id while it runs and after', async () => {
  const runtime = await runtimeFor({ identifier: 'rt-webhook', listener: { type: 'WEBHOOK' }, config: { ...SMALL_ORG, pageLatencyMs: 20 } });
  const handle = runtime.requestResync({ source: 'listener', reason: 'POST /integrations/rt-webhook/resync' });
  expect(['queued', 'running']).toContain(runtime.run(handle.runId)?.status);

  // Live figures while it runs, as GET /api/integrations/:id shows them.
  await eventually(() => (runtime.run(handle.runId)?.progress?.totals.records ?? 0) > 0, 'the first records');
  const live = runtime.status();
  expect(live.running?.runId).toBe(handle.runId);
  expect(live.running?.progress?.state).toBe('running');

  const record = await handle.done;
  expect(record).toMatchObject({ runId: handle.runId, integration: 'rt-webhook', status: 'completed', errors: [] });
  expect(record.progress?.totals.upserted).toBe(SMALL_ORG_TOTAL);
  expect(runtime.run(handle.runId)).toEqual(record);
  expect(runtime.status()).toMatchObject({ listener: 'WEBHOOK', resyncs: true, running: null, lastRun: { runId: handle.runId } });
  expect(runtime.run('no-such-run')).toBeUndefined();
});

test("a newer resync aborts the integration's running one (which deletes nothing), never another integration's", async () => {
  const slow = { ...SMALL_ORG, pageLatencyMs: 40 };
  const target = await runtimeFor({ identifier: 'rt-superseded', listener: { type: 'WEBHOOK' }, config: slow });
  const bystander = await runtimeFor({ identifier: 'rt-bystander', listener: { type: 'WEBHOOK' }, config: slow });
  await seedOwned(fixture, fakeIdentity('rt-superseded'), 'fake-project', [{ identifier: 'rt-superseded:stale', blueprint: 'fake-project', title: 'Stale' }]);
  // Entities the resync rewrites, so one stale entity stays under the deletion threshold.
  await seedOwned(fixture, fakeIdentity('rt-superseded'), 'fake-office', [{ identifier: 'rt-superseded:office-tlv', blueprint: 'fake-office', title: 'Old' }, { identifier: 'rt-superseded:office-nyc', blueprint: 'fake-office', title: 'Old' }]);

  const other = bystander.requestResync({ source: 'admin' });
  const first = target.requestResync({ source: 'listener' });
  await eventually(() => (target.run(first.runId)?.progress?.totals.records ?? 0) > 0, 'the first run to be loading');
  const second = target.requestResync({ source: 'admin', reason: 'operator' });

  const superseded = await first.done;
  expect(superseded).toMatchObject({ status: 'aborted', abortedBy: 'superseded' });
  expect(superseded.progress?.totals.deleted).toBe(0);
  expect(superseded.reconciliation).toBeUndefined();
  // The newer run starts only after the older one has settled.
  const newer = await second.done;
  expect(Date.parse(newer.startedAt!)).toBeGreaterThanOrEqual(Date.parse(superseded.endedAt!));
  expect(newer.status).toBe('completed');
  expect(newer.progress?.totals.deleted).toBe(1);
  expect(fixture.emulator.entity('fake-project', 'rt-superseded:stale')).toBeUndefined();
  expect((await other.done).status).toBe('completed');
});

test('WEBHOOKS_ONLY integrations refuse resyncs with RESYNC_DISABLED', async () => {
  const runtime = await runtimeFor({ identifier: 'rt-webhooks-only', listener: { type: 'WEBHOOKS_ONLY' }, intervalMinutes: 5 });
  let caught: unknown;
  try {
    runtime.requestResync({ source: 'admin' });
  } catch (error) {
    caught = error;
  }
  expect(isMarinaError(caught, 'RESYNC_DISABLED')).toBe(true);
  expect((caught as Error).message).toContain('WEBHOOKS_ONLY');
  // No schedule either, despite the interval.
  expect(runtime.status()).toMatchObject({ resyncs: false, nextRunAt: null, recent: [] });
});

test('the ONCE listener runs exactly one resync at start', async () => {
  const runtime = await runtimeFor({ identifier: 'rt-once', listener: { type: 'ONCE' } });
  await eventually(() => runtime.status().lastRun !== null, 'the ONCE resync');
  expect(runtime.status().recent).toHaveLength(1);
  expect(runtime.status().lastRun).toMatchObject({ status: 'completed', trigger: { source: 'listener', reason: 'ONCE event listener' } });
});

test('a scheduled interval is announced as the next run, and stopping aborts a running resync', async () => {
  const runtime = await runtimeFor({ identifier: 'rt-stop', listener: { type: 'WEBHOOK' }, intervalMinutes: 30, config: { ...SMALL_ORG, pageLatencyMs: 1000 } });
  expect(Date.parse(runtime.status().nextRunAt!)).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
  const handle = runtime.requestResync({ source: 'admin' });
  await eventually(() => runtime.status().running !== null, 'the run to start');
  await runtime.stop();
  expect((await handle.done).status).toBe('aborted');
  expect(() => runtime.requestResync({ source: 'admin' })).toThrow(/not running/);
});
