import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createMappingEngine, type MappingEngine } from '../mapping/index.js';
import { createEntityOwnership, createPortClient, createRateBudget, type EntityOwnership, type PortClient, type RateBudgetOptions } from '../port/index.js';
import { createResyncMetrics, type ResyncMetrics } from './resync-metrics.js';
import type { SchedulerClock } from './schedule-clock.js';
import { createResyncScheduler, type ResyncScheduler, type StopResult } from './scheduler.js';

export interface PortConnectionSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface ResyncHubOptions {
  logger: Logger;
  /** Most resyncs running at once across all integrations. @default 4 */
  maxConcurrentResyncs?: number;
  /** The host's metrics registry; omitted: no resync metrics. */
  registry?: Registry;
  /** Rate budget of each Port organization. @default Port's published limits */
  budget?: RateBudgetOptions;
  /** The mapping engine to share; created (with `mappingWorkers`) when omitted. */
  engine?: MappingEngine;
  mappingWorkers?: number;
  /** The environment mappings see when an integration allows `env` / `$ENV`. @default empty */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: SchedulerClock;
  random?: () => number;
}

/** What every integration of a host shares for resyncs. */
export interface ResyncHub {
  scheduler: ResyncScheduler;
  /** The shared engine; mappings see no environment. */
  engine: MappingEngine;
  /**
   * The engine for an integration: the shared one, or (created on first use, then shared by
   * every integration that allows it) one whose mappings may read `env` / `$ENV`.
   */
  engineFor(options: { allowEnv: boolean }): MappingEngine;
  metrics: ResyncMetrics | undefined;
  /**
   * The Port client of an organization: one per (baseUrl, clientId), so integrations of one
   * organization share its token and rate budget, and organizations never share either.
   */
  portClient(connection: PortConnectionSettings): PortClient;
  /**
   * Which integrations of an organization hold which entities (their latest resync's ledgers),
   * to warn when two of them write the same entity. One per organization, as `portClient`.
   */
  ownership(connection: PortConnectionSettings): EntityOwnership;
  /** Stops the scheduler (aborting running resyncs), then closes clients and the engine it created. */
  close(options?: { deadlineMs?: number }): Promise<StopResult>;
}

export function createResyncHub(options: ResyncHubOptions): ResyncHub {
  const scheduler = createResyncScheduler({
    maxConcurrentRuns: options.maxConcurrentResyncs ?? 4,
    logger: options.logger.child({ component: 'scheduler' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const ownEngine = options.engine === undefined;
  const workers = options.mappingWorkers === undefined ? {} : { workers: options.mappingWorkers };
  const engine = options.engine ?? createMappingEngine(workers);
  let envEngine: MappingEngine | undefined;
  const metrics = options.registry ? createResyncMetrics(options.registry) : undefined;
  const clients = new Map<string, PortClient>();
  const ownerships = new Map<string, EntityOwnership>();
  const organizationKey = (connection: PortConnectionSettings): string => `${connection.baseUrl.replace(/\/+$/, '')}\u0000${connection.clientId}`;
  const portLogger = options.logger.child({ component: 'port' });

  return {
    scheduler,
    engine,
    engineFor({ allowEnv }) {
      if (!allowEnv) return engine;
      envEngine ??= createMappingEngine({ ...workers, allowEnv: true, env: options.env ?? {} });
      return envEngine;
    },
    metrics,
    portClient(connection) {
      const key = organizationKey(connection);
      let client = clients.get(key);
      if (client === undefined) {
        client = createPortClient({ ...connection, budget: createRateBudget(options.budget ?? {}), logger: portLogger });
        clients.set(key, client);
      }
      return client;
    },
    ownership(connection) {
      const key = organizationKey(connection);
      let ownership = ownerships.get(key);
      if (ownership === undefined) ownerships.set(key, (ownership = createEntityOwnership()));
      return ownership;
    },
    async close(closeOptions = {}) {
      const result = await scheduler.stop(closeOptions);
      for (const client of clients.values()) client.close();
      clients.clear();
      ownerships.clear();
      if (ownEngine) await engine.close();
      await envEngine?.close();
      return result;
    },
  };
}
