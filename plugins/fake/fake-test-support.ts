import got from 'got';
import type { IntegrationContext, IntegrationInstance, PluginCache, PluginLogger, RawRecord, ResyncRequest } from '../../src/sdk/index.js';
import fake from './index.js';

/** A log line captured by {@link createRecordingLogger}. */
export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A PluginLogger that keeps its lines, so tests can read what the plugin reported. */
export function createRecordingLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): PluginLogger & { lines: LogLine[] } {
  const write =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') lines.push({ level, fields: { ...bindings }, msg: obj });
      else lines.push({ level, fields: { ...bindings, ...(obj as Record<string, unknown>) }, msg });
    };
  return {
    lines,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => createRecordingLogger(lines, { ...bindings, ...more }),
  };
}

function createMapCache(): PluginCache {
  const entries = new Map<string, unknown>();
  return {
    get: <T>(key: string) => entries.get(key) as T | undefined,
    set: (key, value) => void entries.set(key, value),
    delete: (key) => entries.delete(key),
    clear: () => entries.clear(),
    wrap: async <T>(key: string, _ttlMs: number | undefined, compute: () => Promise<T>) => {
      if (entries.has(key)) return entries.get(key) as T;
      const value = await compute();
      entries.set(key, value);
      return value;
    },
  };
}

/** Sets the fake plugin up the way the host does, with `config` as the integration's config. */
export async function setUpFake(config: Record<string, unknown> = {}): Promise<{ instance: IntegrationInstance; logger: ReturnType<typeof createRecordingLogger> }> {
  const logger = createRecordingLogger();
  const context: IntegrationContext = {
    identifier: 'fake-test',
    type: 'fake',
    config,
    logger,
    http: got,
    signal: new AbortController().signal,
    cache: createMapCache(),
  };
  return { instance: await fake.setup(context), logger };
}

/** A resync request for `kind` with an optional plugin-specific selector. */
export function resyncRequest(kind: string, signal: AbortSignal, selector: Record<string, unknown> = {}): ResyncRequest {
  const fullSelector = { query: 'true', ...selector };
  return { kind, selector: fullSelector, resourceIndex: 0, resource: { kind, selector: fullSelector }, signal };
}

/** Every page the handler of `kind` yields. */
export async function collectPages(instance: IntegrationInstance, kind: string, selector: Record<string, unknown> = {}): Promise<RawRecord[][]> {
  const handler = instance.resync[kind];
  if (handler === undefined) throw new Error(`no handler for ${kind}`);
  const pages: RawRecord[][] = [];
  for await (const page of handler(resyncRequest(kind, new AbortController().signal, selector))) pages.push(page);
  return pages;
}
