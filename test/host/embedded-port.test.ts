import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from './daemon.js';
import { repoRoot } from './host-test-support.js';

/** The daemon boots from source (tsx): on a loaded machine that takes well over the helper's 20 s default. */
const LISTEN_TIMEOUT_MS = 90_000;


/**
 * The embedded Port as a user meets it in the real daemon (`bin/marina start`): its URL and how
 * to look at it are logged at start (never its credentials), `port.embedded` fixes its address
 * and `/v1` credentials across restarts, and what landed can be seen over `/_emulator` and `/v1`.
 */

const SECRET = 'embedded-secret-7f3a91c2';
// A name, not a secret: masking it would mangle every line that says "local".
const CLIENT_ID = 'local';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-embedded-'));
  dirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function writeConfig(dir: string, portSection: string): string {
  const file = path.join(dir, 'marina.yaml');
  writeFileSync(
    file,
    `server: { port: 0 }
${portSection}plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: fake
    type: fake
    config: { entityCount: { fake-department: 2, fake-office: 1, fake-team: 2, fake-person: 10, fake-project: 3 } }
`,
  );
  return file;
}

const startLine = (daemon: Daemon) => daemon.logLines().find((line) => String(line['msg']).startsWith('no Port organization configured'));

async function token(url: string, clientId: string, clientSecret: string): Promise<Response> {
  return fetch(`${url}/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, clientSecret }) });
}

describe('the embedded Port', () => {
  test('port.embedded fixes its URL and credentials across restarts; the start log says how to look, never the credentials', async () => {
    const dir = tempDir();
    const port = await freePort();
    const file = writeConfig(dir, `port:\n  embedded: { port: ${port}, clientId: ${CLIENT_ID}, clientSecret: "\${EMBEDDED_PORT_SECRET}" }\n`);
    const url = `http://127.0.0.1:${port}`;
    const env = { EMBEDDED_PORT_SECRET: SECRET };

    let daemon = await startDaemon(file, { env, listenTimeoutMs: LISTEN_TIMEOUT_MS });
    try {
      await daemon.waitFor('/api/integrations/fake', (body) => body.resync?.lastRun?.status === 'completed', 'the first resync');
      expect(startLine(daemon)).toMatchObject({
        level: 30,
        url,
        state: `${url}/_emulator/state`,
        entities: `${url}/_emulator/entities?blueprint=<blueprint>`,
        integrations: `${url}/_emulator/integrations`,
        fixedCredentials: true,
      });
      expect(startLine(daemon)!['msg']).toContain(`the embedded local Port runs at ${url}.`);
      expect(startLine(daemon)!['msg']).toContain(`its /v1 API takes the credentials set in port.embedded.clientId and port.embedded.clientSecret of ${file}`);
      expect(startLine(daemon)!['msg']).not.toContain('port changes at every start');

      // What landed, without a token.
      const state = (await (await fetch(`${url}/_emulator/state`)).json()) as { entitiesByBlueprint: Record<string, number> };
      expect(state.entitiesByBlueprint).toMatchObject({ 'fake-person': 10, 'fake-department': 2 });
      const persons = (await (await fetch(`${url}/_emulator/entities?blueprint=fake-person`)).json()) as { entities: { identifier: string; datasource: string }[] };
      expect(persons.entities).toHaveLength(10);
      expect(persons.entities[0]!.datasource).toMatch(/^port-ocean\/fake\/.+\/fake\/exporter$/);
      const integration = (await (await fetch(`${url}/_emulator/integrations/fake`)).json()) as { integration: { config: { resources: { kind: string }[] } } };
      expect(integration.integration.config.resources.map((resource) => resource.kind)).toContain('fake-person');

      // The /v1 API with the configured credentials, and only those.
      expect((await token(url, CLIENT_ID, SECRET)).status).toBe(200);
      expect((await token(url, CLIENT_ID, 'guess')).status).toBe(401);
    } finally {
      await daemon.stop();
    }
    expect(daemon.output()).not.toContain(SECRET);

    // Same URL, same credentials, same data after a restart.
    daemon = await startDaemon(file, { env, listenTimeoutMs: LISTEN_TIMEOUT_MS });
    try {
      await daemon.waitForOutput('no Port organization configured');
      expect(startLine(daemon)).toMatchObject({ url });
      const { accessToken } = (await (await token(url, CLIENT_ID, SECRET)).json()) as { accessToken: string };
      const listed = await fetch(`${url}/v1/blueprints/fake-person/entities`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { entities: unknown[] }).entities).toHaveLength(10);
    } finally {
      await daemon.stop();
    }
    expect(daemon.output()).not.toContain(SECRET);
  }, 120_000);

  test('without port.embedded the log says the port and credentials change at every start, and where to fix them', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, '');
    const daemon = await startDaemon(file, { listenTimeoutMs: LISTEN_TIMEOUT_MS });
    try {
      await daemon.waitForOutput('no Port organization configured');
      const line = startLine(daemon)!;
      expect(line).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), fixedCredentials: false });
      expect(line['msg']).toContain('its port changes at every start: set port.embedded.port to keep one');
      expect(line['msg']).toContain(`its /v1 API takes credentials drawn at random at every start: set port.embedded.clientId and port.embedded.clientSecret in ${file} to use it`);
      expect(line['msg']).toContain(`${String(line['url'])}/_emulator/state`);
      expect((await fetch(`${String(line['url'])}/_emulator/state`)).status).toBe(200);
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});
