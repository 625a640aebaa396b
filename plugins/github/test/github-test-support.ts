import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHttpClient } from '../../../src/host/http-client.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createSecretRedactor } from '../../../src/observability/secret-redactor.js';
import type { IntegrationContext, IntegrationInstance, PluginCache, RawRecord, ResyncRequest } from '../../../src/sdk/index.js';
import { createRecordingLogger } from '../../fake/fake-test-support.js';
import github from '../index.js';

export { createRecordingLogger };

function mapCache(): PluginCache {
  const entries = new Map<string, unknown>();
  return {
    get: <T>(key: string) => entries.get(key) as T | undefined,
    set: (key, value) => void entries.set(key, value),
    delete: (key) => entries.delete(key),
    clear: () => entries.clear(),
    wrap: async <T>(key: string, _ttl: number | undefined, compute: () => Promise<T>) => {
      if (!entries.has(key)) entries.set(key, await compute());
      return entries.get(key) as T;
    },
  };
}

export interface GithubUnderTest {
  instance: IntegrationInstance;
  logger: ReturnType<typeof createRecordingLogger>;
  controller: AbortController;
  dataDir: string;
  close(): Promise<void>;
}

/** Sets the GitHub plugin up the way the host does: the host's HTTP client, a private data dir. */
export async function setUpGithub(config: Record<string, unknown>, options: { dataDir?: string; env?: Record<string, string>; webhookBaseUrl?: string; identifier?: string } = {}): Promise<GithubUnderTest> {
  const logger = createRecordingLogger();
  const controller = new AbortController();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'marina-github-'));
  const http = createHttpClient({ env: options.env ?? {}, signal: controller.signal, logger: createLogger({ level: 'silent', redactor: createSecretRedactor() }), retries: 0 });
  const context: IntegrationContext = {
    identifier: options.identifier ?? 'github-test',
    type: 'github',
    config,
    logger,
    http,
    signal: controller.signal,
    cache: mapCache(),
    dataDir,
    ...(options.webhookBaseUrl ? { webhookBaseUrl: options.webhookBaseUrl } : {}),
  };
  const instance = await github.setup(context);
  return {
    instance,
    logger,
    controller,
    dataDir,
    async close() {
      controller.abort();
      await instance.close?.();
    },
  };
}

export function resyncRequest(kind: string, selector: Record<string, unknown> = {}, mappingSettings: Record<string, unknown> = {}, signal: AbortSignal = new AbortController().signal): ResyncRequest {
  const full = { query: 'true', ...selector };
  return { kind, selector: full, resourceIndex: 0, resource: { kind, selector: full }, mappingSettings, signal };
}

/** Every record the handler of `kind` yields. */
export async function collect(instance: IntegrationInstance, kind: string, selector: Record<string, unknown> = {}, mappingSettings: Record<string, unknown> = {}): Promise<RawRecord[]> {
  const handler = instance.resync[kind];
  if (handler === undefined) throw new Error(`no handler for ${kind}`);
  const records: RawRecord[] = [];
  for await (const page of handler(resyncRequest(kind, selector, mappingSettings))) records.push(...page);
  return records;
}
