import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHostConfig } from '../../src/config/host-config.js';
import { startDaemon, type Daemon } from '../../src/host/daemon.js';
import { eventually } from '../support/eventually.js';

// Ocean's allow_environment_variables_jq_access, per integration: the daemon's environment holds
// every integration's secrets, so `env` stays hidden unless the operator opens it for one.
const here = path.dirname(fileURLToPath(import.meta.url));
const PLUGINS = path.resolve(here, '../../plugins');
const ENV = { MARINA_TEST_DEPARTMENT_LABEL: 'from-the-environment' };

function mappingFor(prefix: string): string {
  return `resources:
  - kind: fake-department
    selector: { query: 'true' }
    port:
      entity:
        mappings:
          identifier: '"${prefix}-" + .id'
          title: '(env.MARINA_TEST_DEPARTMENT_LABEL // "hidden") + "/" + ($ENV.MARINA_TEST_DEPARTMENT_LABEL // "hidden")'
          blueprint: '"fake-department"'
`;
}

async function lastRunStatus(daemon: Daemon, id: string): Promise<string | undefined> {
  const body = (await (await fetch(`${daemon.url}/api/integrations/${id}`)).json()) as { resync?: { lastRun?: { status: string } | null } | null };
  return body.resync?.lastRun?.status;
}

async function titles(daemon: Daemon, prefix: string): Promise<string[]> {
  const port = daemon.port!;
  const token = (await (
    await fetch(`${port.baseUrl}/v1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: port.clientId, clientSecret: port.clientSecret }),
    })
  ).json()) as { accessToken: string };
  const response = await fetch(`${port.baseUrl}/v1/blueprints/fake-department/entities`, { headers: { authorization: `Bearer ${token.accessToken}` } });
  const { entities } = (await response.json()) as { entities: { identifier: string; title: string }[] };
  return [...new Set(entities.filter((entity) => entity.identifier.startsWith(`${prefix}-`)).map((entity) => entity.title))];
}

test('mappings read env and $ENV only in integrations that allow it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-env-access-'));
  writeFileSync(path.join(dir, 'open.yml'), mappingFor('open'));
  writeFileSync(path.join(dir, 'closed.yml'), mappingFor('closed'));
  const text = `server: { port: 0 }
plugins: { directories: ${JSON.stringify([PLUGINS])}, watch: false }
integrations:
  - identifier: open
    type: fake
    allowEnvironmentVariablesJqAccess: true
    mapping: { file: open.yml }
    config: { entityCount: { fake-department: 2, fake-person: 0, fake-office: 0, fake-team: 0, fake-project: 0 } }
  - identifier: closed
    type: fake
    mapping: { file: closed.yml }
    config: { entityCount: { fake-department: 2, fake-person: 0, fake-office: 0, fake-team: 0, fake-project: 0 } }
`;
  const file = path.join(dir, 'marina.yaml');
  writeFileSync(file, text);
  const config = parseHostConfig(text, file, ENV, { pluginDirectories: [], dataDir: path.join(dir, '.marina') });
  const daemon = await startDaemon({
    config,
    env: ENV,
    version: '0.0.1',
    logDestination: { write: () => undefined },
    importModule: (entry) => import(pathToFileURL(entry).href),
  });
  try {
    for (const id of ['open', 'closed']) {
      await eventually(async () => (await lastRunStatus(daemon, id)) === 'completed', `the resync of ${id}`, 20_000);
    }
    expect(await titles(daemon, 'open')).toEqual(['from-the-environment/from-the-environment']);
    expect(await titles(daemon, 'closed')).toEqual(['hidden/hidden']);
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
