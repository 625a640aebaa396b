import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from './daemon.js';
import { fixturePlugins, repoRoot } from './host-test-support.js';

// One daemon for the whole file: it boots a TypeScript plugin with no build step, then goes
// through change, failed change, removal and re-addition of that plugin while another
// integration keeps running untouched.

const sdk = JSON.stringify(path.join(repoRoot, 'src', 'sdk', 'index.ts'));
const SECRET = 'alpha-secret-5e4d3c2b';

function alphaSource(version: string, extra = ''): string {
  return `import { defineIntegration } from ${sdk};
import type { ResyncRequest } from ${sdk};

interface AlphaConfig { token: string }

export default defineIntegration<AlphaConfig>({
  type: 'alpha',
  version: '${version}',
  async setup({ config, logger }) {
    logger.info(\`alpha ${version} set up with \${config.token}\`);
    return {
      resync: {
        async *thing(_request: ResyncRequest) {
          yield [{ id: 'a' }];
        },
      },
    };
  },
});
${extra}`;
}

describe('hot reload (spawned daemon)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-reload-'));
  const plugins = path.join(dir, 'plugins');
  const alpha = path.join(plugins, 'alpha');
  const config = path.join(dir, 'marina.yaml');
  let daemon: Daemon;

  const writeAlpha = (source: string) => {
    mkdirSync(path.join(alpha, '.port'), { recursive: true });
    writeFileSync(path.join(alpha, '.port', 'spec.yaml'), 'configurations:\n  - name: token\n    type: string\n    required: true\n    sensitive: true\n');
    writeFileSync(path.join(alpha, 'index.ts'), source);
  };
  const alphaState = () => daemon.get('/api/integrations/alpha');

  beforeAll(async () => {
    mkdirSync(plugins);
    // JavaScript plugins are ES modules: the folder says so, as a plugin repository would.
    writeFileSync(path.join(plugins, 'package.json'), '{ "type": "module" }\n');
    cpSync(path.join(fixturePlugins, 'good'), path.join(plugins, 'good'), { recursive: true });
    // A plugin broken at start, fixed while the host runs.
    cpSync(path.join(fixturePlugins, 'good', '.port'), path.join(plugins, 'late', '.port'), { recursive: true });
    writeFileSync(path.join(plugins, 'late', 'index.js'), 'export default {;\n');
    // A plugin that leaves a rejected promise behind: the daemon must log it and run on.
    cpSync(path.join(fixturePlugins, 'good', '.port'), path.join(plugins, 'stray', '.port'), { recursive: true });
    writeFileSync(
      path.join(plugins, 'stray', 'index.js'),
      "export default { apiVersion: 1, type: 'stray', setup({ config }) { setTimeout(() => Promise.reject(new Error(`stray failure with ${config.apiToken}`)), 10); return { resync: {} }; } };\n",
    );
    writeAlpha(alphaSource('1.0.0'));
    writeFileSync(
      config,
      `server: { port: 0 }
port: { clientId: test-client, clientSecret: test-secret-value }
plugins: { directories: [plugins], debounceMs: 100 }
shutdown: { timeoutSeconds: 5 }
integrations:
  - identifier: alpha
    type: alpha
    config: { token: "\${ALPHA_TOKEN}" }
  - identifier: steady
    type: good
    config: { apiToken: steady-token-1234 }
  - identifier: late
    type: late
    config: { apiToken: late-token-1234 }
  - identifier: stray
    type: stray
    config: { apiToken: stray-token-5678 }
`,
    );
    daemon = await startDaemon(config, { env: { ALPHA_TOKEN: SECRET } });
    await daemon.waitFor('/health/ready', (body) => body.status === 'healthy', 'readiness');
  });

  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a TypeScript plugin with no build step', async () => {
    expect(await alphaState()).toMatchObject({ status: 'running', version: '1.0.0', kinds: ['thing'], config: { token: '[REDACTED]' }, reloads: 0 });
  });

  it('reloads a changed plugin without restarting the host', async () => {
    writeAlpha(alphaSource('2.0.0'));
    const state = await daemon.waitFor('/api/integrations/alpha', (body) => body.version === '2.0.0', 'alpha 2.0.0');
    expect(state).toMatchObject({ status: 'running', reloads: 1, reloadError: null });
  });

  it('debounces a burst of writes into one reload', async () => {
    for (let i = 0; i < 5; i++) writeAlpha(alphaSource('3.0.0', `// burst ${i}\n`));
    const state = await daemon.waitFor('/api/integrations/alpha', (body) => body.version === '3.0.0', 'alpha 3.0.0');
    // Let a second, spurious reload show up if the burst was not coalesced.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await alphaState()).reloads).toBe(state.reloads);
    expect(state.reloads).toBe(2);
  });

  it('keeps the previous version running when a reload fails, and says why', async () => {
    writeAlpha(alphaSource('4.0.0', 'export const broken = ;\n'));
    const state = await daemon.waitFor('/api/integrations/alpha', (body) => body.reloadError !== null, 'a reload error');
    expect(state).toMatchObject({ status: 'running', version: '3.0.0', reloadError: { code: 'PLUGIN_LOAD_FAILED' } });
    expect(state.reloadError.message).toContain(path.join(alpha, 'index.ts'));
  });

  it('unloads the integrations of a removed plugin folder', async () => {
    rmSync(alpha, { recursive: true, force: true });
    const state = await daemon.waitFor('/api/integrations/alpha', (body) => body.status === 'stopped', 'alpha stopped');
    expect(state.error).toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
  });

  it('loads the plugin again when its folder comes back', async () => {
    writeAlpha(alphaSource('5.0.0'));
    const state = await daemon.waitFor('/api/integrations/alpha', (body) => body.status === 'running', 'alpha running again');
    expect(state).toMatchObject({ version: '5.0.0', error: null });
  });

  it('starts an integration whose plugin failed at start once the plugin is fixed', async () => {
    expect(await daemon.get('/api/integrations/late')).toMatchObject({ status: 'failed', error: { code: 'PLUGIN_LOAD_FAILED' } });
    writeFileSync(path.join(plugins, 'late', 'index.js'), "export default { apiVersion: 1, type: 'late', version: '1.0.1', setup: () => ({ resync: {} }) };\n");
    const state = await daemon.waitFor('/api/integrations/late', (body) => body.status === 'running', 'late running');
    expect(state).toMatchObject({ version: '1.0.1', error: null });
  });

  it('logs a plugin’s unhandled rejection, redacted, and keeps running', async () => {
    await daemon.waitForOutput('unhandled promise rejection');
    expect(await daemon.get('/api/integrations/stray')).toMatchObject({ status: 'running' });
    expect(daemon.output()).toContain('stray failure with [REDACTED]');
  });

  it('applies a changed config on SIGHUP without touching the integrations that did not change', async () => {
    writeFileSync(config, readFileSync(config, 'utf8') + '  - identifier: added-later\n    type: good\n    config: { apiToken: later-token-1234 }\n');
    daemon.child.kill('SIGHUP');
    const state = await daemon.waitFor('/api/integrations/added-later', (body) => body.status === 'running', 'added-later running');
    expect(state).toMatchObject({ type: 'good', version: '1.2.3' });
    await daemon.waitForOutput('configuration applied');
    expect(daemon.logLines().find((line) => line['msg'] === 'configuration applied')).toMatchObject({ added: ['added-later'], removed: [], changed: [] });
  });

  it('left the other integration alone, and never logged the secret', async () => {
    const steady = await daemon.get('/api/integrations/steady');
    expect(steady).toMatchObject({ status: 'running', reloads: 0, error: null });
    await daemon.waitForOutput('alpha 5.0.0 set up with [REDACTED]');
    expect(await daemon.stop('SIGTERM')).toBe(0);
    // After the exit every line has been flushed.
    expect(daemon.output()).not.toContain(SECRET);
    expect(daemon.output()).not.toContain('test-secret-value');
    expect(daemon.output()).not.toContain('stray-token-5678');
  });
});
