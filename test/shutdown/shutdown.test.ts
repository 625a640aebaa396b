import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon } from '../host/daemon.js';
import { fixturePlugins } from '../host/host-test-support.js';

// The real daemon, stopped by a real signal: exit code, drain and close order are what an
// orchestrator (Kubernetes, systemd) sees.

function setUp(extraPlugin?: { name: string; source: string }): { dir: string; config: string; marker: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-shutdown-'));
  const plugins = path.join(dir, 'plugins');
  mkdirSync(plugins);
  writeFileSync(path.join(plugins, 'package.json'), '{ "type": "module" }\n');
  for (const name of ['good', 'slow-close']) cpSync(path.join(fixturePlugins, name), path.join(plugins, name), { recursive: true });
  if (extraPlugin) {
    cpSync(path.join(fixturePlugins, 'good', '.port'), path.join(plugins, extraPlugin.name, '.port'), { recursive: true });
    writeFileSync(path.join(plugins, extraPlugin.name, 'index.js'), extraPlugin.source);
  }
  const marker = path.join(dir, 'closed.txt');
  const config = path.join(dir, 'marina.yaml');
  writeFileSync(
    config,
    `server: { port: 0 }
port: { clientId: test-client, clientSecret: test-secret-value }
plugins: { directories: [plugins] }
shutdown: { timeoutSeconds: 1.5 }
integrations:
  - identifier: one
    type: slow-close
    config: { apiToken: t-1234, markerFile: "${marker}" }
  - identifier: two
    type: good
    config: { apiToken: t-1234, markerFile: "${marker}" }
  - identifier: three
    type: slow-close
    config: { apiToken: t-1234, markerFile: "${marker}" }
${extraPlugin ? `  - identifier: four\n    type: ${extraPlugin.name}\n    config: { apiToken: t-1234 }\n` : ''}`,
  );
  return { dir, config, marker };
}

describe('graceful shutdown (spawned daemon)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('on %s: stops serving, closes every plugin in reverse order, exits 0', async (signal) => {
    const { dir, config, marker } = setUp();
    const daemon = await startDaemon(config);
    try {
      await daemon.waitFor('/health/ready', (body) => body.status === 'healthy', 'readiness');
      expect(await daemon.stop(signal)).toBe(0);
      // slow-close takes 200 ms in close(): its line being there proves the host waited for it.
      expect(readFileSync(marker, 'utf8')).toBe('closed three aborted=true\nclosed two aborted=true\nclosed one aborted=true\n');
      const messages = daemon.logLines().map((line) => line['msg']);
      expect(messages).toEqual(expect.arrayContaining(['shutting down', 'shutdown complete']));
      expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('shutdown complete'));
      await expect(fetch(`${daemon.url}/health/live`)).rejects.toThrow();
    } finally {
      await daemon.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 3 when a plugin does not close within the deadline, after closing the others', async () => {
    const { dir, config, marker } = setUp({
      name: 'hangs',
      source: "export default { apiVersion: 1, type: 'hangs', setup: () => ({ resync: {}, close: () => new Promise(() => {}) }) };\n",
    });
    const daemon = await startDaemon(config);
    try {
      await daemon.waitFor('/health/ready', (body) => body.status === 'healthy', 'readiness');
      expect(await daemon.stop('SIGTERM')).toBe(3);
      expect(daemon.output()).toContain('plugin close() did not finish before the deadline');
      expect(readFileSync(marker, 'utf8')).toContain('closed one');
    } finally {
      await daemon.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
