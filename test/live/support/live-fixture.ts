import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { createIntegrationLive, openLiveEventStore, registerLiveEventRoutes, type IntegrationLive, type IntegrationLiveOptions, type LiveEventRoutesOptions, type LiveEventStore, type LiveEventStoreOptions } from '../../../src/live/index.js';
import { createMappingEngine, parsePortAppConfig, type MappingEngine, type PortAppConfig } from '../../../src/mapping/index.js';
import { createPortClient, createRateBudget, type IntegrationIdentity, type PortClient } from '../../../src/port/index.js';

/** The blueprint live-event tests write to. */
export const ITEM_BLUEPRINT = {
  identifier: 'live-item',
  title: 'Live item',
  schema: { properties: { seq: { type: 'number' }, state: { type: 'string' } }, required: [] },
  relations: {},
};

/** Items marked `archived` fail the selector, so a live update archiving one deletes its entity. */
export const ITEM_MAPPING_YAML = `
resources:
  - kind: item
    selector:
      query: '.archived != true'
    port:
      entity:
        mappings:
          identifier: .id
          title: .id
          blueprint: '"live-item"'
          properties:
            seq: .seq
            state: .state
`;

export function itemMapping(): PortAppConfig {
  return parsePortAppConfig(ITEM_MAPPING_YAML, 'test mapping');
}

export function identity(identifier: string): IntegrationIdentity {
  return { identifier, type: 'live-test', version: '0.1.0' };
}

/** Log lines kept in memory, so tests can read what was logged (and check nothing secret was). */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) }));
  return { logger, lines };
}

export interface PortFixture {
  emulator: Emulator;
  client: PortClient;
  engine: MappingEngine;
  close(): Promise<void>;
}

/** A real emulator with the item blueprint, a real Port client and a real mapping engine. */
export async function startPortFixture(): Promise<PortFixture> {
  const emulator = await startEmulator({ seed: 7 });
  const budget = createRateBudget({ limits: false, concurrency: 32 });
  const client = createPortClient({ baseUrl: emulator.url, clientId: 'live-test', clientSecret: 'live-test-secret', budget, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
  await client.request({ method: 'POST', path: '/v1/blueprints', body: ITEM_BLUEPRINT, integration: identity('setup') });
  const engine = createMappingEngine({ workers: 2 });
  return {
    emulator,
    client,
    engine,
    async close() {
      client.close();
      await engine.close();
      await emulator.close();
    },
  };
}

export interface LiveServer {
  url: string;
  app: FastifyInstance;
  store: LiveEventStore;
  dataDir: string;
  lives: Map<string, IntegrationLive>;
  logLines: string[];
  /** Adds an integration's live side. */
  add(identifier: string, options: Partial<IntegrationLiveOptions> & Pick<IntegrationLiveOptions, 'processors'>): IntegrationLive;
  /** Stops the queues and the store and the server, keeping the data dir (a graceful stop). */
  stop(): Promise<void>;
  /** `stop()` and removes the data dir. */
  close(): Promise<void>;
}

/** A fastify server on 127.0.0.1 with the live-event routes over a store in `dataDir` (a new temp dir by default). */
export async function startLiveServer(
  port: PortFixture,
  options: { dataDir?: string; routes?: Partial<LiveEventRoutesOptions>; store?: Partial<LiveEventStoreOptions> } = {},
): Promise<LiveServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'marina-live-')));
  const store = await openLiveEventStore({ dataDir, ...options.store });
  const lives = new Map<string, IntegrationLive>();
  const { logger, lines } = memoryLogger();
  const app = Fastify();
  registerLiveEventRoutes(app, { lookup: (id) => lives.get(id), store, logger, ...options.routes });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app.close();
    await Promise.all([...lives.values()].map((live) => live.close()));
    await store.close();
  };
  return {
    url,
    app,
    store,
    dataDir,
    lives,
    logLines: lines,
    add(identifier, overrides) {
      const mapping = itemMapping();
      const live = createIntegrationLive({
        integration: identity(identifier),
        mapping: async () => mapping,
        engine: port.engine,
        client: port.client,
        store,
        logger: logger.child({ integration: identifier }),
        ...overrides,
      });
      lives.set(identifier, live);
      return live;
    },
    stop,
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Posts JSON (or raw text) to a webhook path and returns status and parsed answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  const answer = (await response.text()) || '{}';
  return { status: response.status, body: JSON.parse(answer) as Record<string, unknown> };
}

/** A promise with its resolve function outside, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export { eventually } from '../../support/eventually.js';
