import type { IntegrationRuntime } from '../../src/sync/integration-runtime.js';
import type { ResyncHub } from '../../src/sync/resync-hub.js';
import {
  createCapturingLogger,
  createTestHub,
  createTestRuntime,
  eventually,
  fakeIdentity,
  fakeInstance,
  provisionFake,
  startSyncFixture,
  type SyncFixture,
} from '../sync/support/sync-fixture.js';

const SMALL = { entityCount: { 'fake-department': 1, 'fake-person': 2, 'fake-office': 1, 'fake-team': 1, 'fake-project': 1 } };
const POLL_MS = 30;

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

async function pollingRuntime(id: string, resyncOnStart?: boolean): Promise<IntegrationRuntime> {
  await provisionFake(fixture, fakeIdentity(id));
  const runtime = createTestRuntime(
    fixture,
    hub,
    { identifier: id, instance: await fakeInstance(SMALL), listener: { type: 'POLLING', ...(resyncOnStart === undefined ? {} : { resyncOnStart }) }, tuning: { pollIntervalMs: POLL_MS } },
    createCapturingLogger().logger,
  );
  runtimes.push(runtime);
  return runtime;
}

/** Port records a resync request, as its UI button or a mapping save does. */
async function requestFromPort(id: string): Promise<void> {
  const response = await fetch(`${fixture.emulator.url}/_emulator/integrations/${id}/resync-request`, { method: 'POST' });
  expect(response.status).toBe(200);
}

const polls = (id: string) => fixture.emulator.requests().filter((request) => request.method === 'GET' && request.path === `/v1/integration/${id}/resync-request`).length;

/** Waits until the listener has polled `count` more times: only then is "nothing happened" a fact. */
async function afterPolls(id: string, count: number): Promise<void> {
  const target = polls(id) + count;
  await eventually(() => polls(id) >= target, `${count} more polls of ${id}`);
}

const finishedRuns = (runtime: IntegrationRuntime) => runtime.status().recent.filter((run) => run.endedAt !== null);

test('resync on start runs once even with an old request in Port; a new request runs once more, and only once', async () => {
  const id = 'poll-on-start';
  const runtime = await pollingRuntime(id);
  await requestFromPort(id);
  await runtime.start();
  await eventually(() => finishedRuns(runtime).length === 1, 'the start resync');
  expect(runtime.status().lastRun?.trigger.source).toBe('start');
  await afterPolls(id, 3);
  expect(runtime.status().recent).toHaveLength(1);

  await requestFromPort(id);
  await eventually(() => finishedRuns(runtime).length === 2, 'the requested resync');
  expect(runtime.status().recent[0]).toMatchObject({ status: 'completed', trigger: { source: 'listener' } });
  await afterPolls(id, 3);
  expect(runtime.status().recent).toHaveLength(2);
});

test('without resync on start, a request older than the last resync is not replayed; a newer one is', async () => {
  const id = 'poll-no-start';
  // An earlier process resynced (state reported) after the last request.
  const earlier = await pollingRuntime(id, true);
  await requestFromPort(id);
  await earlier.start();
  await eventually(() => finishedRuns(earlier).length === 1, 'the earlier process resync');
  await earlier.stop();

  const restarted = await pollingRuntime(id, false);
  await restarted.start();
  await afterPolls(id, 3);
  expect(restarted.status().recent).toEqual([]);

  await requestFromPort(id);
  await eventually(() => finishedRuns(restarted).length === 1, 'the requested resync');
  await afterPolls(id, 3);
  expect(restarted.status().recent).toHaveLength(1);
});

test('a failing poll is logged and retried on the next tick without a resync or a crash', async () => {
  const id = 'poll-faulty';
  const runtime = await pollingRuntime(id, false);
  // Never resynced, so this request would trigger at the first poll if Port answered.
  await requestFromPort(id);
  fixture.emulator.setFaults([{ path: `/v1/integration/${id}/resync-request`, errorRate: 1, errorStatuses: [400] }]);
  await runtime.start();
  await afterPolls(id, 3);
  expect(runtime.status().recent).toEqual([]);
  fixture.emulator.setFaults([]);
  await eventually(() => finishedRuns(runtime).length === 1, 'the resync after Port recovered');
  await afterPolls(id, 3);
  expect(runtime.status().recent).toHaveLength(1);
});
