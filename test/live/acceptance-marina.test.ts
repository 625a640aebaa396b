import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { startDaemon, type Daemon } from '../host/daemon.js';
import { expectedState, planEvents, portState, sendAll } from './support/acceptance-plan.js';
import { eventually } from './support/live-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PLUGINS = path.join(here, 'fixtures', 'plugins');
const SECRET = 'acceptance-secret-77';

let emulator: Emulator;
let dir: string;
const daemons: Daemon[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ seed: 3 });
  dir = mkdtempSync(path.join(tmpdir(), 'marina-live-real-'));
});
afterAll(async () => {
  for (const daemon of daemons) if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
  await Promise.all(daemons.map((daemon) => daemon.exited));
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startMarina(): Promise<Daemon> {
  const file = path.join(dir, 'marina.yaml');
  writeFileSync(
    file,
    `server: { port: 0 }
dataDir: ${JSON.stringify(path.join(dir, 'data'))}
port: { baseUrl: ${JSON.stringify(emulator.url)}, clientId: acceptance, clientSecret: acceptance-port-secret }
plugins: { directories: ${JSON.stringify([PLUGINS])}, watch: false }
integrations:
  - identifier: echo-acceptance
    type: live-echo
    initializePortResources: true
    eventListener: { type: WEBHOOKS_ONLY }
    config: { webhookSecret: ${SECRET} }
`,
  );
  const daemon = await startDaemon(file);
  daemons.push(daemon);
  await daemon.waitFor('/api/integrations/echo-acceptance', (body) => body.resync !== null && body.live !== null, 'provisioning and live events');
  return daemon;
}

test('bin/marina: 1,000 events for 50 resources over 10 connections, killed with SIGKILL mid-run and started again, end with every last state in Port', async () => {
  const plan = planEvents('real', 5);
  let daemon = await startMarina();
  let url = daemon.url;
  let restarted: Promise<void> | undefined;
  await sendAll(
    plan,
    () => url,
    (acked) => {
      if (acked !== 450) return;
      restarted = (async () => {
        daemon.child.kill('SIGKILL');
        await daemon.exited;
        daemon = await startMarina();
        url = daemon.url;
      })();
    },
    { path: '/integrations/echo-acceptance/webhook/items/acceptance', headers: { 'x-echo-secret': SECRET } },
  );
  await restarted;
  expect(daemons).toHaveLength(2);
  await eventually(
    async () => {
      const body = (await daemon.get('/api/integrations/echo-acceptance')) as { live: { queued: number; running: number; deadLetters: number } };
      expect(body.live.deadLetters).toBe(0);
      return body.live.queued === 0 && body.live.running === 0;
    },
    'the queue to drain',
    45_000,
  );
  expect(portState(emulator, plan)).toEqual(expectedState(plan));
  expect(daemon.output()).not.toContain(SECRET);
  expect(await daemon.stop()).toBe(0);
}, 120_000);
