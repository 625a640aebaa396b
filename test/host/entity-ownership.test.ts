import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../support/eventually.js';
import { startDaemon, type Daemon } from './daemon.js';
import { repoRoot } from './host-test-support.js';

/** The daemon boots from source (tsx): on a loaded machine that takes well over the helper's 20 s default. */
const LISTEN_TIMEOUT_MS = 90_000;


/**
 * Two integrations of the fake plugin that produce the same entities (same blueprint and
 * identifier), in the real daemon with its embedded Port: each write moves the entity's
 * datasource to the writer, so they take the entities from each other. Each run warns once per
 * pair, naming both integrations, with a count and examples; the run record lists the conflict;
 * a live event that takes an entity warns too.
 */

// 2 departments + 2 offices + 3 teams + 20 persons + 4 projects.
const ENTITIES = 31;
const ORG = '{ entityCount: { fake-department: 2, fake-office: 2, fake-team: 3, fake-person: 20, fake-project: 4 }, pageSize: 10 }';

let dir: string;
let daemon: Daemon;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-ownership-'));
  const file = path.join(dir, 'marina.yaml');
  // WEBHOOK listeners: nothing runs until the test asks, so the runs happen one after the other.
  writeFileSync(
    file,
    `server: { port: 0 }
plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: fake-a
    type: fake
    eventListener: { type: WEBHOOK }
    config: ${ORG}
  - identifier: fake-b
    type: fake
    eventListener: { type: WEBHOOK }
    config: ${ORG}
  - identifier: fake-c
    type: fake
    eventListener: { type: WEBHOOK }
    config: ${ORG}
    mapping: { file: ${JSON.stringify(path.join(dir, 'prefixed.yml'))} }
`,
  );
  // fake-c writes other identifiers (every identifier and relation prefixed): no conflict.
  writeFileSync(path.join(dir, 'prefixed.yml'), prefixedMapping());
  daemon = await startDaemon(file, { listenTimeoutMs: LISTEN_TIMEOUT_MS });
  for (const id of ['fake-a', 'fake-b', 'fake-c']) await daemon.waitFor(`/api/integrations/${id}`, (body) => body.resync !== null && body.resync !== undefined, `${id} provisioned`);
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function prefixedMapping(): string {
  // The default mapping with `"c-" + ` before every identifier and relation expression.
  return readFileSync(path.join(repoRoot, 'plugins/fake/.port/resources/port-app-config.yml'), 'utf8')
    .replace(/^(\s+identifier: )(\.\S+)$/gm, '$1\'"c-" + $2\'')
    .replace(/^(\s+(?:department|team|office): )(\.\S+)$/gm, '$1\'"c-" + $2\'');
}

async function resync(id: string): Promise<any> {
  const response = await fetch(`${daemon.url}/integrations/${id}/resync`, { method: 'POST' });
  expect(response.status).toBe(202);
  const { runId } = (await response.json()) as { runId: string };
  return daemon.waitFor(`/integrations/${id}/resync/${runId}`, (run) => run.endedAt !== null && run.endedAt !== undefined, `run ${runId} of ${id}`);
}

const warnings = (integration: string) => daemon.logLines().filter((line) => line['integration'] === integration && line['otherIntegration'] !== undefined);

describe('two integrations writing the same entities', () => {
  test('each run warns once per pair, naming both, with a count and examples; the run record lists it', async () => {
    const first = await resync('fake-a');
    expect(first).toMatchObject({ status: 'completed', conflicts: [] });
    expect(first.progress.totals.upserted).toBe(ENTITIES);

    const taken = await resync('fake-b');
    expect(taken.status).toBe('completed');
    expect(taken.conflicts).toEqual([{ integration: 'fake-a', count: ENTITIES, examples: expect.any(Array) }]);
    expect(taken.conflicts[0].examples).toHaveLength(5);
    expect(taken.conflicts[0].examples[0]).toMatch(/^fake-department\//);
    // Log lines reach the pipe a little after the run record shows the run ended.
    await eventually(() => warnings('fake-b').length > 0, 'the warning of fake-b');
    const fromB = warnings('fake-b');
    expect(fromB).toHaveLength(1);
    expect(fromB[0]).toMatchObject({ level: 40, otherIntegration: 'fake-a', count: ENTITIES, blueprint: 'fake-department', scope: 'this resync' });
    expect(fromB[0]!['msg']).toMatch(/^integrations "fake-b" and "fake-a" write the same entities \(31 entities in this resync, e\.g\. blueprint "fake-department" identifier "[^"]+"\)/);

    // fake-a's listing no longer shows them (Port gave them to fake-b): it takes them back.
    const back = await resync('fake-a');
    expect(back.conflicts).toEqual([{ integration: 'fake-b', count: ENTITIES, examples: expect.any(Array) }]);
    await eventually(() => warnings('fake-a').length > 0, 'the warning of fake-a');
    expect(warnings('fake-a')).toEqual([expect.objectContaining({ otherIntegration: 'fake-b', count: ENTITIES })]);

    // An integration writing other entities is never named.
    const other = await resync('fake-c');
    expect(other).toMatchObject({ status: 'completed', conflicts: [] });
    expect(other.progress.totals.upserted).toBe(ENTITIES);
    expect(warnings('fake-c')).toEqual([]);
    expect(daemon.logLines().filter((line) => line['otherIntegration'] === 'fake-c')).toEqual([]);
  }, 120_000);

  test('a repeated run that owns its entities warns about nothing', async () => {
    const again = await resync('fake-a');
    expect(again.conflicts).toEqual([]);
    expect(again.progress.totals.unchanged).toBe(ENTITIES);
    expect(warnings('fake-a')).toHaveLength(1);
  }, 120_000);

  test('a live event that takes an entity from another integration warns once for the pair', async () => {
    const send = async (id: string) => {
      const response = await fetch(`${daemon.url}/integrations/fake-b/webhook/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'fake-person', id }) });
      expect(response.status).toBe(202);
    };
    await send('emp-0000004');
    await daemon.waitFor('/api/integrations/fake-b', (body) => body.live?.handled === 1, 'the live event handled');
    await send('emp-0000005');
    await daemon.waitFor('/api/integrations/fake-b', (body) => body.live?.handled === 2, 'the second live event handled');
    await eventually(() => warnings('fake-b').some((line) => line['scope'] === 'live events'), 'the live warning');
    const live = warnings('fake-b').filter((line) => line['scope'] === 'live events');
    // The second one falls in the same 10-minute window: counted, not logged again.
    expect(live).toEqual([expect.objectContaining({ level: 40, otherIntegration: 'fake-a', blueprint: 'fake-person', identifier: 'emp-0000004', count: 1 })]);
  }, 120_000);
});
