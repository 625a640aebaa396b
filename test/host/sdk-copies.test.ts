import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { post } from '../live/support/live-fixture.js';
import { startDaemon, type Daemon } from './daemon.js';
import { repoRoot } from './host-test-support.js';

const plugins = path.join(repoRoot, 'test', 'host', 'fixtures', 'plugins');

/**
 * SDK values are recognised by their brand, not by identity: the `troubled` fixture plugin is
 * TypeScript importing the SDK sources, and the real importer (tsx's tsImport in a spawned
 * `bin/marina start`) gives it a module graph, and so an SDK copy, of its own. With an
 * `instanceof` check its RetryableError went straight to the dead-letter list.
 */
let dir: string;
let daemon: Daemon | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-sdk-copies-'));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

interface LiveFigures {
  handled: number;
  retries: number;
  deadLetters: number;
  deadLetterList: { reason: string; attempts: number }[];
}

test("a plugin's RetryableError from its own SDK copy is retried, not dead-lettered", async () => {
  const file = path.join(dir, 'marina.yaml');
  writeFileSync(
    file,
    `server: { port: 0 }
plugins: { directories: [${JSON.stringify(plugins)}], watch: false }
shutdown: { timeoutSeconds: 5 }
integrations:
  - identifier: troubled
    type: troubled
    eventListener: { type: WEBHOOKS_ONLY }
`,
  );
  daemon = await startDaemon(file);
  const running = daemon;
  // Live events read the mapping that provisioning pushes to Port.
  await running.waitFor('/api/integrations/troubled', (body) => body.status === 'running' && body.resync !== null, 'the integration to run and be provisioned');
  const hook = `${running.url}/integrations/troubled/webhook/flaky`;

  expect((await post(hook, { id: 'busy-1', failTimes: 2 })).status).toBe(202);
  const settled = await running.waitFor('/api/integrations/troubled', (body) => body.live?.handled === 1, 'the retried event to be handled');
  expect(settled.live).toMatchObject({ handled: 1, retries: 2, deadLetters: 0 } satisfies Partial<LiveFigures>);

  // Errors that are not RetryableError still dead-letter at the first try.
  expect((await post(hook, { id: 'broken-1', fatal: true })).status).toBe(202);
  const dead = await running.waitFor('/api/integrations/troubled', (body) => body.live?.deadLetters === 1, 'the fatal event to be dead-lettered');
  expect((dead.live as LiveFigures).deadLetterList).toEqual([expect.objectContaining({ attempts: 1, reason: expect.stringContaining('item broken-1 cannot be read') })]);
});
