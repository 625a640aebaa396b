import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHostConfig } from '../../src/config/host-config.js';
import { startDaemon, type Daemon } from '../../src/host/daemon.js';
import { authorizeAdmin } from '../../src/http/admin-auth.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'admin-T0ken-for-tests-only';
const SMALL = '{ entityCount: { fake-department: 2, fake-person: 20, fake-office: 1, fake-team: 2, fake-project: 3 }, pageSize: 5 }';
const SMALL_TOTAL = 2 + 20 + 1 + 2 + 3;

const dirs: string[] = [];
const daemons: Daemon[] = [];
afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real daemon in this process: embedded Port, the fake plugin, HTTP on an ephemeral port. */
async function daemonWith(env: Record<string, string> = {}): Promise<Daemon> {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-resync-http-'));
  dirs.push(dir);
  const file = path.join(dir, 'marina.yaml');
  const text = `server: { port: 0 }
log: { level: warn }
plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: hook
    type: fake
    eventListener: { type: WEBHOOK }
    config: ${SMALL}
  - identifier: polled
    type: fake
    eventListener: { type: POLLING, resyncOnStart: false }
    config: ${SMALL}
  - identifier: live-only
    type: fake
    eventListener: { type: WEBHOOKS_ONLY }
  - identifier: slow
    type: fake
    eventListener: { type: WEBHOOK }
    config: { entityCount: { fake-person: 40 }, pageSize: 5, pageLatencyMs: 50 }
`;
  writeFileSync(file, text);
  const config = parseHostConfig(text, file, {}, { pluginDirectories: [], dataDir: path.join(dir, '.marina') });
  const daemon = await startDaemon({
    config,
    env,
    version: 'test',
    logDestination: { write: () => true },
    // Jest transforms TypeScript itself; tsx's loader is not available inside it.
    importModule: (entry) => import(pathToFileURL(entry).href),
  });
  daemons.push(daemon);
  for (const integration of daemon.host.integrations()) await integration.resyncReady();
  return daemon;
}

async function call(daemon: Daemon, method: string, route: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${daemon.url}${route}`, { method, headers });
  return { status: response.status, body: await response.json() };
}

async function until(daemon: Daemon, route: string, predicate: (body: any) => boolean): Promise<any> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const { body } = await call(daemon, 'GET', route);
    if (predicate(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting on ${route}`);
}

describe('resync over HTTP, no admin token configured', () => {
  let daemon: Daemon;
  beforeAll(async () => {
    daemon = await daemonWith();
  });

  test("Port's webhook call is answered 202 with a run id at once; the run's status is served by id", async () => {
    const accepted = await call(daemon, 'POST', '/integrations/hook/resync');
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ integration: 'hook', runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(['queued', 'running']).toContain(accepted.body.status);
    expect(accepted.body.statusUrl).toBe(`/integrations/hook/resync/${accepted.body.runId}`);

    const run = await until(daemon, accepted.body.statusUrl, (body) => body.endedAt !== null);
    expect(run).toMatchObject({ status: 'completed', trigger: { source: 'listener' }, errors: [] });
    expect(run.progress.totals).toMatchObject({ records: SMALL_TOTAL, upserted: SMALL_TOTAL, failed: 0 });
    expect(run.progress.kinds.map((block: { kind: string }) => block.kind)).toEqual(['fake-department', 'fake-office', 'fake-team', 'fake-person', 'fake-project']);

    // The same figures on the integration's status.
    const status = await call(daemon, 'GET', '/api/integrations/hook');
    expect(status.body.resync).toMatchObject({ listener: 'WEBHOOK', resyncs: true, provisioningError: null, lastRun: { runId: accepted.body.runId, status: 'completed' } });
    expect((await call(daemon, 'GET', `/api/integrations/hook/resync/${accepted.body.runId}`)).body.runId).toBe(accepted.body.runId);
  });

  test('the webhook route serves only WEBHOOK integrations; unknown integrations and runs are 404', async () => {
    expect(await call(daemon, 'POST', '/integrations/polled/resync')).toMatchObject({ status: 409, body: { code: 'RESYNC_DISABLED' } });
    expect((await call(daemon, 'POST', '/integrations/nope/resync')).status).toBe(404);
    expect((await call(daemon, 'GET', '/integrations/hook/resync/not-a-run')).status).toBe(404);
  });

  test('without a token the admin trigger works from loopback only, and refuses integrations that do not resync', async () => {
    const accepted = await call(daemon, 'POST', '/api/integrations/polled/resync');
    expect(accepted.status).toBe(202);
    const run = await until(daemon, accepted.body.statusUrl, (body) => body.endedAt !== null);
    expect(run).toMatchObject({ status: 'completed', trigger: { source: 'admin' } });

    // Tests only reach the daemon over loopback, so a remote caller is described to the guard.
    const answer: { status?: number; body?: any } = {};
    const reply = {
      code(status: number) {
        answer.status = status;
        return reply;
      },
      header: () => reply,
      send: async (body: unknown) => void (answer.body = body),
    };
    const remote = { socket: { remoteAddress: '10.1.2.3' }, headers: {} };
    expect(await authorizeAdmin(remote as never, reply as never, {})).toBe(false);
    expect(answer).toMatchObject({ status: 403, body: { code: 'ADMIN_FORBIDDEN', message: expect.stringContaining('MARINA_ADMIN_TOKEN') } });
    expect(await authorizeAdmin({ ...remote, socket: { remoteAddress: '::1' } } as never, reply as never, {})).toBe(true);
    expect(await call(daemon, 'POST', '/api/integrations/live-only/resync')).toMatchObject({ status: 409, body: { code: 'RESYNC_DISABLED' } });
  });
});

describe('resync over HTTP with MARINA_ADMIN_TOKEN', () => {
  test('the admin trigger needs the bearer token, even from loopback', async () => {
    const daemon = await daemonWith({ MARINA_ADMIN_TOKEN: TOKEN });
    expect(await call(daemon, 'POST', '/api/integrations/hook/resync')).toMatchObject({ status: 401, body: { code: 'ADMIN_UNAUTHORIZED' } });
    const wrong = await call(daemon, 'POST', '/api/integrations/hook/resync', { authorization: `Bearer ${TOKEN}x` });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'The admin token is not valid' } });
    expect(JSON.stringify(wrong.body)).not.toContain(TOKEN);
    const right = await call(daemon, 'POST', '/api/integrations/hook/resync', { authorization: `Bearer ${TOKEN}` });
    expect(right.status).toBe(202);
    await until(daemon, right.body.statusUrl, (body) => body.status === 'completed');
  });
});

test('a hot reload during a resync aborts it (nothing deleted) and resyncs again with the new instance', async () => {
  const daemon = await daemonWith();
  const integration = daemon.host.integration('slow')!;
  const runtime = integration.resync!;
  const first = runtime.requestResync({ source: 'admin' });
  await until(daemon, `/integrations/slow/resync/${first.runId}`, (body) => (body.progress?.totals.records ?? 0) > 0);
  const before = integration.instance;
  await integration.activate(integration.plugin!, { reason: 'reload', drainTimeoutMs: 5000 });
  expect(integration.instance).not.toBe(before);

  const interrupted = await first.done;
  expect(interrupted.status).toBe('aborted');
  expect(interrupted.reconciliation).toBeUndefined();
  const resumed = await until(daemon, '/api/integrations/slow', (body) => body.resync.lastRun?.trigger.source === 'reload');
  expect(resumed.resync.lastRun).toMatchObject({ status: 'completed', trigger: { reason: `the plugin was reloaded during resync ${first.runId}` } });
});
