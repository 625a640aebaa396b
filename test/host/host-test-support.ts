import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHostConfig, type HostConfig } from '../../src/config/host-config.js';
import { createHost, type Host } from '../../src/host/host.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type HostMetrics } from '../../src/observability/metrics.js';
import { createSecretRedactor, type SecretRedactor } from '../../src/observability/secret-redactor.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturePlugins = path.join(repoRoot, 'test', 'fixtures', 'plugins');

/** Captures pino's output lines exactly as they would reach stdout. */
export function createCapture(): { write(line: string): void; text(): string; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  return {
    write: (line: string) => void chunks.push(line),
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface TestHost {
  host: Host;
  config: HostConfig;
  metrics: HostMetrics;
  redactor: SecretRedactor;
  logs: ReturnType<typeof createCapture>;
  dir: string;
}

/**
 * A host running in this jest process on fixture plugins. Jest cannot use tsx's loader, so
 * these fixtures are JavaScript and import with plain `import()`; TypeScript plugins and hot
 * reload are covered by the tests that spawn the real daemon.
 */
export function createTestHost(yaml: string, options: { directories?: string[] } = {}): TestHost {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-host-'));
  const file = path.join(dir, 'marina.yaml');
  const text = `plugins:\n  watch: false\n  directories: ${JSON.stringify(options.directories ?? [fixturePlugins])}\nshutdown:\n  timeoutSeconds: 2\n${yaml}`;
  writeFileSync(file, text);
  const config = parseHostConfig(text, file, { MARKER: path.join(dir, 'marker.txt') }, { pluginDirectories: [], dataDir: path.join(dir, '.marina') });
  const logs = createCapture();
  const redactor = createSecretRedactor();
  const metrics = createMetrics();
  const logger = createLogger({ level: 'debug', redactor, destination: { write: logs.write } });
  const host = createHost({
    config,
    logger,
    redactor,
    metrics,
    env: {},
    importModule: (entry) => import(pathToFileURL(entry).href),
    port: { baseUrl: 'http://127.0.0.1:1', clientId: 'port-client-id-1', clientSecret: 'port-client-secret-1' },
  });
  return { host, config, metrics, redactor, logs, dir };
}
