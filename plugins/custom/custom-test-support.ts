import { createPluginConfigValidator } from '../../src/config/plugin-config.js';
import { createHttpClient } from '../../src/host/http-client.js';
import type { IntegrationContext, IntegrationInstance, PluginCache, RawRecord, ResyncRequest } from '../../src/sdk/index.js';
import { createRecordingLogger } from '../fake/fake-test-support.js';
import custom from './index.js';

export { createRecordingLogger };

function createMapCache(): PluginCache {
  const entries = new Map<string, unknown>();
  return {
    get: <T>(key: string) => entries.get(key) as T | undefined,
    set: (key, value) => void entries.set(key, value),
    delete: (key) => entries.delete(key),
    clear: () => entries.clear(),
    wrap: async <T>(key: string, _ttlMs: number | undefined, compute: () => Promise<T>) => {
      if (!entries.has(key)) entries.set(key, await compute());
      return entries.get(key) as T;
    },
  };
}

const validate = createPluginConfigValidator(custom.configSchema!);

/** The config as the host hands it to setup: checked against the plugin's schema, defaults filled in. */
export function validatedConfig(config: Record<string, unknown>): Record<string, unknown> {
  const result = validate(config, { file: 'test config' });
  if (!result.ok) throw new Error(`config refused: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return result.config;
}

export interface SetUpCustom {
  instance: IntegrationInstance;
  logger: ReturnType<typeof createRecordingLogger>;
  /** Stops the integration (its signal fires, as at shutdown). */
  stop(): void;
}

/**
 * Sets the custom plugin up the way the host does: config through the host's validator, the
 * host's real HTTP client (retries, Retry-After), fast retries so error tests stay short.
 */
export async function setUpCustom(config: Record<string, unknown>, options: { retries?: number; backoffBaseMs?: number; env?: Record<string, string> } = {}): Promise<SetUpCustom> {
  const logger = createRecordingLogger();
  const controller = new AbortController();
  const context: IntegrationContext = {
    identifier: 'custom-test',
    type: 'custom',
    config: validatedConfig(config),
    logger,
    http: createHttpClient({ env: options.env ?? {}, signal: controller.signal, logger, retries: options.retries ?? 2, backoffBaseMs: options.backoffBaseMs ?? 10 }),
    signal: controller.signal,
    cache: createMapCache(),
  };
  return { instance: await custom.setup(context), logger, stop: () => controller.abort() };
}

/** A resync request for `kind` with the selector fields of a resource block. */
export function resyncRequest(kind: string, selector: Record<string, unknown> = {}, signal: AbortSignal = new AbortController().signal, resourceIndex = 0): ResyncRequest {
  const fullSelector = { query: 'true', ...selector };
  return { kind, selector: fullSelector, resourceIndex, resource: { kind, selector: fullSelector }, signal };
}

/** Every page the plugin yields for one resource block. */
export async function collectPages(instance: IntegrationInstance, kind: string, selector: Record<string, unknown> = {}, signal?: AbortSignal): Promise<RawRecord[][]> {
  const handler = instance.resync[kind] ?? instance.resync['*'];
  if (handler === undefined) throw new Error(`no handler for ${kind}`);
  const pages: RawRecord[][] = [];
  for await (const page of handler(resyncRequest(kind, selector, signal))) pages.push(page);
  return pages;
}

export async function collectRecords(instance: IntegrationInstance, kind: string, selector: Record<string, unknown> = {}): Promise<RawRecord[]> {
  return (await collectPages(instance, kind, selector)).flat();
}
