import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IntegrationConfig } from '../../src/config/host-config.js';
import { parseHostConfig } from '../../src/config/host-config.js';
import { readOceanEnv } from '../../src/config/ocean-env.js';
import { Integration } from '../../src/host/integration.js';
import { loadPlugin } from '../../src/host/plugin-loader.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createSecretRedactor } from '../../src/observability/secret-redactor.js';
import { defineIntegration, type IntegrationContext } from '../../src/sdk/index.js';
import { createCapture, fixturePlugins } from './host-test-support.js';

/** The setup context's `dataDir` and `webhookBaseUrl`, seen by a plugin the real loader loads. */
function subject(identifier: string, deps: { dataDir?: string; publicUrl?: string }) {
  const redactor = createSecretRedactor();
  const logs = createCapture();
  const config: IntegrationConfig = {
    identifier,
    type: 'good',
    enabled: true,
    config: { apiToken: 'data-dir-secret-1' },
    eventListener: { type: 'POLLING' },
    scheduledResyncInterval: null,
    initializePortResources: true,
    allowEnvironmentVariablesJqAccess: false,
    mapping: { source: 'port' },
    origin: { file: 'marina.yaml', path: ['integrations', 0], style: 'yaml' },
  };
  return {
    integration: new Integration({ config, logger: createLogger({ level: 'debug', redactor, destination: { write: logs.write } }), redactor, metrics: createMetrics(), env: {}, setupTimeoutMs: 2_000, ...deps }),
    logs,
  };
}

async function probePlugin(seen: IntegrationContext[]) {
  return loadPlugin(path.join(fixturePlugins, 'good'), {
    importModule: async () => ({
      default: defineIntegration({
        type: 'good',
        setup: (context) => {
          seen.push(context);
          const file = path.join(context.dataDir!, 'state.txt');
          let previous = '';
          try {
            previous = readFileSync(file, 'utf8');
          } catch {
            // first start
          }
          writeFileSync(file, `${previous}started\n`, { mode: 0o600 });
          return { resync: {} };
        },
      }),
    }),
    fresh: true,
  });
}

describe('setup context: dataDir and webhookBaseUrl', () => {
  it('gives each integration its own 0700 directory under the data dir, kept across restarts', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marina-datadir-'));
    const seen: IntegrationContext[] = [];
    for (const identifier of ['gh-one', 'gh-two', 'gh-one']) {
      const { integration } = subject(identifier, { dataDir, publicUrl: 'https://marina.example.com' });
      await integration.activate(await probePlugin(seen), { reason: 'start', drainTimeoutMs: 1_000 });
      expect(integration.status).toBe('running');
      await integration.stop({ reason: 'test', timeoutMs: 1_000 });
    }
    expect(seen.map((context) => context.dataDir)).toEqual([
      path.join(dataDir, 'integrations', 'gh-one'),
      path.join(dataDir, 'integrations', 'gh-two'),
      path.join(dataDir, 'integrations', 'gh-one'),
    ]);
    expect(statSync(path.join(dataDir, 'integrations')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'integrations', 'gh-one')).mode & 0o777).toBe(0o700);
    // What the first start wrote is there at the second.
    expect(readFileSync(path.join(dataDir, 'integrations', 'gh-one', 'state.txt'), 'utf8')).toBe('started\nstarted\n');
    expect(readFileSync(path.join(dataDir, 'integrations', 'gh-two', 'state.txt'), 'utf8')).toBe('started\n');
    expect(seen.map((context) => context.webhookBaseUrl)).toEqual([
      'https://marina.example.com/integrations/gh-one/webhook',
      'https://marina.example.com/integrations/gh-two/webhook',
      'https://marina.example.com/integrations/gh-one/webhook',
    ]);
  });

  it('leaves webhookBaseUrl undefined without a public URL', async () => {
    const seen: IntegrationContext[] = [];
    const { integration } = subject('no-url', { dataDir: mkdtempSync(path.join(tmpdir(), 'marina-datadir-')) });
    await integration.activate(await probePlugin(seen), { reason: 'start', drainTimeoutMs: 1_000 });
    expect(seen[0]?.webhookBaseUrl).toBeUndefined();
    await integration.stop({ reason: 'test', timeoutMs: 1_000 });
  });

  it('fails the integration with a clear error when the directory cannot be created', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marina-datadir-'));
    const blocker = path.join(dir, 'file-not-dir');
    writeFileSync(blocker, 'x');
    const { integration } = subject('blocked', { dataDir: blocker });
    await integration.activate(await probePlugin([]), { reason: 'start', drainTimeoutMs: 1_000 });
    expect(integration.status).toBe('failed');
    expect(integration.snapshot().error).toMatchObject({ code: 'PLUGIN_SETUP_FAILED', message: expect.stringContaining(path.join(blocker, 'integrations', 'blocked')) });
  });
});

describe('server.publicUrl', () => {
  const defaults = { pluginDirectories: [fixturePlugins], dataDir: '/tmp/marina-test-data' };

  it('is read from marina.yaml without its trailing slash', () => {
    const config = parseHostConfig('server:\n  publicUrl: https://hooks.example.com/marina/\n', '/tmp/marina.yaml', {}, defaults);
    expect(config.server.publicUrl).toBe('https://hooks.example.com/marina');
  });

  it('refuses a value that is not an http(s) URL', () => {
    expect(() => parseHostConfig('server:\n  publicUrl: hooks.example.com\n', '/tmp/marina.yaml', {}, defaults)).toThrow(/server\.publicUrl/);
  });

  it("is Ocean's OCEAN__BASE_URL in Ocean's environment mode", () => {
    const { config, ignored } = readOceanEnv({ OCEAN__INTEGRATION__TYPE: 'good', OCEAN__BASE_URL: 'https://ocean.example.com/', APPLICATION__PORT: '8123' }, defaults);
    expect(config.server).toMatchObject({ port: 8123, publicUrl: 'https://ocean.example.com' });
    expect(ignored).not.toContain('OCEAN__BASE_URL');
  });
});
