import { Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/index.js';
import { createMappingEngine, type MappingEngine } from '../../../src/mapping/index.js';
import {
  bulkUpsert,
  createPortClient,
  createRateBudget,
  loadPortResources,
  provisionIntegration,
  type IntegrationIdentity,
  type PortClient,
  type PortEntity,
  type PortResources,
} from '../../../src/port/index.js';
import type { IntegrationInstance } from '../../../src/sdk/index.js';
import { setUpFake } from '../../../plugins/fake/fake-test-support.js';
import type { Registry } from 'prom-client';
import type { EventListenerConfig } from '../../../src/config/host-config.js';
import { createEventListener, type ListenerTuning } from '../../../src/listeners/event-listener.js';
import { createIntegrationRuntime, type IntegrationRuntime } from '../../../src/sync/integration-runtime.js';
import type { MappingSourceConfig } from '../../../src/sync/mapping-source.js';
import { createResyncHub, type ResyncHub } from '../../../src/sync/resync-hub.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FAKE_RESOURCES_DIR = path.resolve(here, '../../../plugins/fake/.port/resources');

/** A small organization: a few pages per kind, quick to resync. */
export const SMALL_ORG = {
  entityCount: { 'fake-department': 5, 'fake-person': 60, 'fake-office': 3, 'fake-team': 6, 'fake-project': 12 },
  pageSize: 10,
};
export const SMALL_ORG_TOTAL = 5 + 60 + 3 + 6 + 12;

/** Log lines kept in memory, so tests can check what was (and was not) written. */
export function createCapturingLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  return { logger, lines };
}

export interface SyncFixture {
  emulator: Emulator;
  client: PortClient;
  engine: MappingEngine;
  resources: PortResources;
  close(): Promise<void>;
}

/** A real emulator, a real Port client with fast retries and a real mapping engine. */
export async function startSyncFixture(options: { emulator?: EmulatorOptions } = {}): Promise<SyncFixture> {
  const emulator = await startEmulator({ seed: 11, ...options.emulator });
  const budget = createRateBudget({ limits: false, concurrency: 32 });
  const client = createPortClient({ baseUrl: emulator.url, clientId: 'sync-test', clientSecret: 'sync-test-secret', budget, retry: { baseDelayMs: 5, maxDelayMs: 100 } });
  const engine = createMappingEngine({ workers: 2 });
  const resources = await loadPortResources(FAKE_RESOURCES_DIR);
  return {
    emulator,
    client,
    engine,
    resources,
    async close() {
      client.close();
      await engine.close();
      await emulator.close();
    },
  };
}

export function fakeIdentity(identifier: string): IntegrationIdentity {
  return { identifier, type: 'fake', version: '0.1.0' };
}

/**
 * The fake plugin's default mapping with every identifier (and relation target) prefixed, so
 * several fake integrations can share one Port without writing each other's entities.
 */
export function prefixedFakeMapping(resources: PortResources, prefix: string): Record<string, unknown> {
  const mapping = structuredClone(resources.portAppConfig) as { resources: { port: { entity: { mappings: { identifier: string; relations?: Record<string, string> } } } }[] };
  for (const resource of mapping.resources) {
    const mappings = resource.port.entity.mappings;
    mappings.identifier = `${JSON.stringify(prefix)} + ${mappings.identifier}`;
    for (const [name, expression] of Object.entries(mappings.relations ?? {})) mappings.relations![name] = `${JSON.stringify(prefix)} + ${expression}`;
  }
  return mapping as unknown as Record<string, unknown>;
}

/** Creates the integration in Port with the fake blueprints and `mapping` as its config. */
export async function provisionFake(fixture: SyncFixture, identity: IntegrationIdentity, mapping?: Record<string, unknown>): Promise<void> {
  const resources: PortResources = { blueprints: fixture.resources.blueprints, ...(mapping ?? fixture.resources.portAppConfig ? { portAppConfig: mapping ?? fixture.resources.portAppConfig } : {}) };
  // Blueprints are shared: once one integration created them, the others skip creation.
  await provisionIntegration(fixture.client, identity, { resources, initializePortResources: true });
}

/** Writes entities owned by `identity`, as an earlier resync of it would have. */
export async function seedOwned(fixture: SyncFixture, identity: IntegrationIdentity, blueprint: string, entities: PortEntity[]): Promise<void> {
  const outcomes = await bulkUpsert(fixture.client, identity, blueprint, entities, { merge: true, createMissingRelatedEntities: true });
  const failed = outcomes.filter((outcome) => outcome.status !== 'upserted');
  if (failed.length > 0) throw new Error(`seeding failed: ${JSON.stringify(failed.slice(0, 2))}`);
}

export async function fakeInstance(config: Record<string, unknown>): Promise<IntegrationInstance> {
  return (await setUpFake(config)).instance;
}

/** The entities Port holds in the fake blueprints whose identifier starts with `prefix`. */
export function entitiesWithPrefix(emulator: Emulator, prefix: string): { blueprint: string; identifier: string; datasource: string }[] {
  return emulator
    .entities()
    .filter((entity) => String(entity.identifier).startsWith(prefix))
    .map((entity) => ({ blueprint: String(entity.blueprint), identifier: String(entity.identifier), datasource: entity.datasource }));
}

export { eventually } from '../../support/eventually.js';

export interface RuntimeSpec {
  identifier: string;
  instance: IntegrationInstance;
  listener: EventListenerConfig;
  mapping?: MappingSourceConfig;
  pageTimeoutMs?: number;
  intervalMinutes?: number | null;
  tuning?: ListenerTuning;
  listenerRetryMs?: number;
}

/** An integration runtime as the host builds it: shared hub, the real listener factory. */
export function createTestRuntime(fixture: SyncFixture, hub: ResyncHub, spec: RuntimeSpec, logger: Logger): IntegrationRuntime {
  return createIntegrationRuntime({
    integration: fakeIdentity(spec.identifier),
    scheduler: hub.scheduler,
    client: hub.portClient({ baseUrl: fixture.emulator.url, clientId: 'sync-test', clientSecret: 'sync-test-secret' }),
    intervalMinutes: spec.intervalMinutes ?? null,
    runner: {
      engine: hub.engine,
      instance: () => spec.instance,
      mapping: spec.mapping ?? { source: 'port' },
      ...(spec.pageTimeoutMs === undefined ? {} : { pageTimeoutMs: spec.pageTimeoutMs }),
      ...(hub.metrics ? { metrics: hub.metrics } : {}),
    },
    listener: (context) => createEventListener(spec.listener, context, spec.tuning),
    logger,
    ...(spec.listenerRetryMs === undefined ? {} : { listenerRetryMs: spec.listenerRetryMs }),
  });
}

/** A hub over the fixture's engine, with the emulator's limits off. */
export function createTestHub(fixture: SyncFixture, logger: Logger, options: { maxConcurrentResyncs?: number; registry?: Registry } = {}): ResyncHub {
  return createResyncHub({
    logger,
    engine: fixture.engine,
    maxConcurrentResyncs: options.maxConcurrentResyncs ?? 10,
    budget: { limits: false, concurrency: 32 },
    ...(options.registry ? { registry: options.registry } : {}),
  });
}
