import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { describeError, MarinaError } from '../errors.js';
import { misconfigurationCounter, type MappingEngine, type MisconfigurationSummary, type PortAppConfig } from '../mapping/index.js';
import type { EntityOwnership, IntegrationIdentity, PortClient } from '../port/index.js';
import type { LiveEventProcessor } from '../sdk/index.js';
import { createIntegrationLive, type DeadLetterView, type IntegrationLive, type LiveQueueStats } from './integration-live.js';
import { openLiveEventStore, type LiveEventStore } from './live-event-store.js';
import { registerLiveEventRoutes } from './live-event-routes.js';

export interface LiveEventsOptions {
  /** The host's data dir; the journal lives in `<dataDir>/live-events/`. */
  dataDir: string;
  engine: MappingEngine;
  /** The Port client of the organization (shared with resyncs, so one rate budget sees both). */
  client: PortClient;
  logger: Logger;
  /** Metrics are registered here (labelled by integration). */
  registry?: Registry;
  /** Events of different resources handled at once, per integration. @default 32 */
  concurrency?: number;
  /** @default 600000 (10 minutes) */
  dedupeWindowMs?: number;
  /** @default 5 MiB */
  bodyLimitBytes?: number;
  /** How long a mapping read for live events is reused. @default 10000 */
  mappingTtlMs?: number;
  /** The organization's ownership registry (shared with resyncs), to warn about entities two integrations write. */
  ownership?: EntityOwnership;
}

export interface AttachOptions {
  integration: IntegrationIdentity;
  processors: readonly LiveEventProcessor[];
  /** Reads the integration's current mapping (from Port or its file); cached for `mappingTtlMs`. */
  readMapping: (signal: AbortSignal) => Promise<PortAppConfig>;
  /** The engine for this integration's mappings (one that shows `env` when it allows that). @default the shared engine */
  engine?: MappingEngine;
}

/** What the admin API shows about one integration's live events. */
export interface LiveSnapshot extends LiveQueueStats {
  processors: { name: string; path: string }[];
  deadLetterList: DeadLetterView[];
  /** Fields the mapping left null in handled events (updated records), with counts and an example. */
  misconfigurations: MisconfigurationSummary[];
}

/**
 * Live events for the whole host: the store (opened once), one {@link IntegrationLive} per
 * running integration, the webhook routes, and their metrics.
 */
export interface LiveEvents {
  /** Opens the journal; events a previous run left run once their integration attaches. */
  open(): Promise<void>;
  /** Serves an integration's processors, or swaps them on a reload. */
  attach(options: AttachOptions): IntegrationLive;
  /**
   * Stops serving an integration: lets its queue drain for up to `drainMs`, then stops what
   * still runs (those events stay in the journal for the next start).
   * @returns whether the queue drained in time.
   */
  detach(identifier: string, options?: { drainMs?: number }): Promise<boolean>;
  get(identifier: string): IntegrationLive | undefined;
  snapshot(identifier: string): LiveSnapshot | undefined;
  /** Integrations not attached whose events wait in the journal (removed from the config, failing to load). */
  unattached(): { integration: string; pending: number; deadLetters: number }[];
  /**
   * `POST /integrations/:identifier/webhook/*` on `app` (before it listens). `starting` tells
   * which unattached identifiers are on their way (503 instead of 404).
   */
  registerRoutes(app: FastifyInstance, options?: { starting?: (identifier: string) => boolean }): void;
  /** Detaches everything (no drain) and closes the journal. */
  close(): Promise<void>;
}

/** A mapping read at most every `ttlMs`, one read at a time; a failed read is not kept. */
function cachedMapping(read: (signal: AbortSignal) => Promise<PortAppConfig>, ttlMs: number): () => Promise<PortAppConfig> {
  let entry: { at: number; value: Promise<PortAppConfig> } | undefined;
  return () => {
    const now = Date.now();
    if (entry === undefined || now - entry.at > ttlMs) {
      // Not tied to one event's signal: other events share the read.
      const value = read(AbortSignal.timeout(60_000));
      const current = { at: now, value };
      entry = current;
      value.catch(() => {
        if (entry === current) entry = undefined;
      });
    }
    return entry.value;
  };
}

export function createLiveEvents(options: LiveEventsOptions): LiveEvents {
  const { logger } = options;
  let store: LiveEventStore | undefined;
  const lives = new Map<string, { live: IntegrationLive; processors: readonly LiveEventProcessor[] }>();
  const registers = options.registry ? [options.registry] : [];
  const misconfigured = options.registry ? misconfigurationCounter(options.registry) : undefined;
  const answers = new Counter({
    name: 'marina_live_deliveries_total',
    help: 'Webhook deliveries by how they were answered: accepted (202), duplicate, ignored (no processor handles it), rejected (4xx/5xx)',
    labelNames: ['integration', 'answer'],
    registers,
  });
  const settled = new Counter({
    name: 'marina_live_events_total',
    help: 'Live events settled: handled (written to Port) or dead_lettered',
    labelNames: ['integration', 'outcome'],
    registers,
  });
  const latency = new Histogram({
    name: 'marina_live_event_seconds',
    help: 'From receipt of a webhook delivery to its results being written to Port',
    labelNames: ['integration'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  new Gauge({
    name: 'marina_live_queue_events',
    help: 'Live events waiting or running, per integration',
    labelNames: ['integration'],
    registers,
    collect() {
      this.reset();
      for (const [identifier, { live }] of lives) {
        const stats = live.stats();
        this.set({ integration: identifier }, stats.queued + stats.running);
      }
    },
  });
  new Gauge({
    name: 'marina_live_dead_letters',
    help: 'Live events in the dead-letter list, per integration',
    labelNames: ['integration'],
    registers,
    collect() {
      this.reset();
      for (const [identifier, { live }] of lives) this.set({ integration: identifier }, live.stats().deadLetters);
    },
  });

  const requireStore = (): LiveEventStore => {
    if (store === undefined) throw new MarinaError('HOST_NOT_RUNNING', 'Live events are not open yet');
    return store;
  };

  const detach = async (identifier: string, detachOptions: { drainMs?: number } = {}): Promise<boolean> => {
    const entry = lives.get(identifier);
    if (entry === undefined) return true;
    const drainMs = detachOptions.drainMs ?? 0;
    let drained = true;
    if (drainMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      drained = await Promise.race([entry.live.drain().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), drainMs)))]);
      clearTimeout(timer);
    }
    // Deliveries keep being accepted while the queue drains; once closed, the route answers 404.
    await entry.live.close().catch((error: unknown) => logger.error({ integration: identifier, err: describeError(error) }, 'Live events did not stop cleanly'));
    if (lives.get(identifier) === entry) lives.delete(identifier);
    return drained;
  };

  return {
    async open() {
      if (store !== undefined) return;
      store = await openLiveEventStore({
        dataDir: options.dataDir,
        ...(options.dedupeWindowMs === undefined ? {} : { dedupeWindowMs: options.dedupeWindowMs }),
        onCorruption: (problem) => logger.error({ ...problem }, 'A damaged line of the live-event journal was skipped'),
        onDeadLetterDropped: (letter) =>
          logger.error(
            { integration: letter.event.integration, eventId: letter.event.id, resourceKey: letter.event.resourceKey, reason: letter.reason },
            'Too many dead letters: the oldest was dropped',
          ),
      });
    },
    attach(attach) {
      const identifier = attach.integration.identifier;
      const existing = lives.get(identifier);
      if (existing !== undefined && !existing.live.closed) {
        existing.live.setProcessors(attach.processors, attach.integration);
        existing.processors = attach.processors;
        return existing.live;
      }
      const live = createIntegrationLive({
        integration: attach.integration,
        processors: attach.processors,
        mapping: cachedMapping(attach.readMapping, options.mappingTtlMs ?? 10_000),
        engine: attach.engine ?? options.engine,
        client: options.client,
        store: requireStore(),
        logger: logger.child({ integration: identifier, component: 'live-events' }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        onMisconfigured: (kind, severity, count) => misconfigured?.inc({ integration: identifier, kind, severity }, count),
        ...(options.ownership === undefined ? {} : { ownership: options.ownership }),
        onSettled(event, outcome) {
          if (outcome.status === 'interrupted') return;
          settled.inc({ integration: identifier, outcome: outcome.status === 'handled' ? 'handled' : 'dead_lettered' });
          if (outcome.status === 'handled') latency.observe({ integration: identifier }, (Date.now() - event.receivedAt.getTime()) / 1000);
        },
      });
      lives.set(identifier, { live, processors: attach.processors });
      if (attach.processors.length > 0) {
        // So operators see the URLs to give the third party.
        logger.info({ integration: identifier, routes: attach.processors.map((processor) => `POST /integrations/${identifier}/webhook${processor.path}`) }, 'serving live events');
      }
      return live;
    },
    detach,
    get: (identifier) => lives.get(identifier)?.live,
    snapshot(identifier) {
      const entry = lives.get(identifier);
      if (entry === undefined) return undefined;
      return {
        ...entry.live.stats(),
        processors: entry.processors.map((processor) => ({ name: processor.name, path: processor.path })),
        deadLetterList: entry.live.deadLetters(),
        misconfigurations: entry.live.misconfigurations(),
      };
    },
    unattached() {
      if (store === undefined) return [];
      const open = store;
      return open
        .integrations()
        .filter((identifier) => !lives.has(identifier))
        .map((identifier) => ({ integration: identifier, pending: open.pending(identifier).length, deadLetters: open.deadLetters(identifier).length }));
    },
    registerRoutes(app, routeOptions = {}) {
      registerLiveEventRoutes(app, {
        lookup: (identifier) => lives.get(identifier)?.live,
        ...(routeOptions.starting === undefined ? {} : { starting: routeOptions.starting }),
        store: requireStore,
        logger,
        ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
        onAnswer: (identifier, answer) => {
          // Unknown identifiers are the sender's typo or a scan: one series for all of them.
          answers.inc({ integration: lives.has(identifier) ? identifier : '(unknown)', answer });
        },
      });
    },
    async close() {
      await Promise.all([...lives.keys()].map((identifier) => detach(identifier)));
      await store?.close();
      store = undefined;
    },
  };
}
