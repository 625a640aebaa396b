import path from 'node:path';
import type { IntegrationConfig } from '../../src/config/host-config.js';
import { Integration } from '../../src/host/integration.js';
import { loadPlugin } from '../../src/host/plugin-loader.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createSecretRedactor } from '../../src/observability/secret-redactor.js';
import { defineIntegration, type IntegrationDefinition } from '../../src/sdk/index.js';
import { createCapture, fixturePlugins } from './host-test-support.js';

// The plugin folder is the real `good` fixture (its spec and schema); the code is swapped in
// through the loader's injectable importer, as a hot reload would swap it from disk.
async function pluginWith(definition: Omit<IntegrationDefinition, 'type'>) {
  return loadPlugin(path.join(fixturePlugins, 'good'), {
    importModule: async () => ({ default: defineIntegration({ type: 'good', ...definition }) }),
    fresh: true,
  });
}

function createIntegration() {
  const logs = createCapture();
  const redactor = createSecretRedactor();
  const config: IntegrationConfig = {
    identifier: 'subject',
    type: 'good',
    enabled: true,
    config: { apiToken: 'reload-secret-99' },
    eventListener: { type: 'POLLING' },
    scheduledResyncInterval: null,
    initializePortResources: true,
    allowEnvironmentVariablesJqAccess: false,
    mapping: { source: 'port' },
    origin: { file: 'marina.yaml', path: ['integrations', 0], style: 'yaml' },
  };
  const integration = new Integration({
    config,
    logger: createLogger({ level: 'debug', redactor, destination: { write: logs.write } }),
    redactor,
    metrics: createMetrics(),
    env: {},
    setupTimeoutMs: 200,
  });
  return { integration, logs };
}

describe('Integration reload', () => {
  it('sets up the new version, then aborts and waits for the old one’s work before closing it', async () => {
    const events: string[] = [];
    const { integration } = createIntegration();
    await integration.activate(
      await pluginWith({ version: '1.0.0', setup: () => ({ resync: {}, close: () => void events.push('v1 closed') }) }),
      { reason: 'start', drainTimeoutMs: 1_000 },
    );
    const work = integration.run(
      (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () =>
            setTimeout(() => {
              events.push('v1 work finished');
              resolve();
            }, 30),
          ),
        ),
    );
    await integration.activate(
      await pluginWith({
        version: '2.0.0',
        setup: () => {
          events.push('v2 set up');
          return { resync: {} };
        },
      }),
      { reason: 'reload', drainTimeoutMs: 1_000 },
    );
    await work;
    expect(events).toEqual(['v2 set up', 'v1 work finished', 'v1 closed']);
    // Work started after the reload runs on the new instance, with a live signal.
    await expect(integration.run(async (signal) => signal.aborted)).resolves.toBe(false);
    expect(integration.snapshot()).toMatchObject({ status: 'running', version: '2.0.0', reloads: 1, inflight: 0 });
  });

  it('keeps the running version when the new one throws in setup or times out', async () => {
    const { integration, logs } = createIntegration();
    await integration.activate(await pluginWith({ version: '1.0.0', setup: () => ({ resync: {} }) }), { reason: 'start', drainTimeoutMs: 100 });
    await integration.activate(
      await pluginWith({
        version: '2.0.0',
        setup: ({ config }) => {
          throw new Error(`bad token ${String(config['apiToken'])}`);
        },
      }),
      { reason: 'reload', drainTimeoutMs: 100 },
    );
    expect(integration.snapshot()).toMatchObject({
      status: 'running',
      version: '1.0.0',
      reloadError: { code: 'PLUGIN_SETUP_FAILED', message: 'setup of plugin "good" threw\ncaused by: bad token [REDACTED]' },
    });
    await integration.activate(await pluginWith({ version: '3.0.0', setup: () => new Promise(() => undefined) }), { reason: 'reload', drainTimeoutMs: 100 });
    expect(integration.snapshot()).toMatchObject({ status: 'running', version: '1.0.0', reloadError: { code: 'PLUGIN_SETUP_TIMEOUT' } });
    expect(logs.text()).not.toContain('reload-secret-99');
  });

  it('rejects a setup that does not return resync handlers', async () => {
    const { integration } = createIntegration();
    await integration.activate(await pluginWith({ setup: () => ({}) as never }), { reason: 'start', drainTimeoutMs: 100 });
    expect(integration.snapshot()).toMatchObject({ status: 'failed', error: { code: 'PLUGIN_INVALID_EXPORT' } });
  });
});
