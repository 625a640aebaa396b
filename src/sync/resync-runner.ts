import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { describeError, isMarinaError, MarinaError } from '../errors.js';
import { serializeError } from '../observability/describe-error.js';
import { createMisconfigurationTracker, type MappingEngine, type MisconfigurationTracker, type PortAppConfig, type ResourceConfig } from '../mapping/index.js';
import {
  createIngestionSession,
  nextResyncAt,
  readBlueprint,
  reportResyncState,
  type EntityOwnership,
  type IngestionSession,
  type IntegrationIdentity,
  type OwnershipConflict,
  type PortClient,
  type PortEntity,
  type ReconciliationReport,
  type ResyncStatus,
} from '../port/index.js';
import type { IntegrationInstance, ResyncHandler } from '../sdk/index.js';
import { fetchMapping, type MappingSourceConfig } from './mapping-source.js';
import { streamPages } from './page-stream.js';
import { startProgressLog, type ProgressLog } from './progress-log.js';
import type { ResyncMetrics } from './resync-metrics.js';
import { createResyncProgress, type KindCounts, type KindProgress, type ProgressSnapshot, type ResyncProgress } from './resync-progress.js';

export interface ResyncRunnerOptions {
  integration: IntegrationIdentity;
  /** The Port client of the integration's organization (shared with its other integrations). */
  client: PortClient;
  /** The host's mapping engine (shared by every integration). */
  engine: MappingEngine;
  /** The plugin instance serving the integration now; read at every run, so a hot reload applies. */
  instance: () => IntegrationInstance | undefined;
  mapping: MappingSourceConfig;
  logger: Logger;
  /** A plugin that produces no page for this long fails its kind. @default 300000 (5 min) */
  pageTimeoutMs?: number;
  /** A progress line per running kind this often (see progress-log.ts). @default 30000 */
  progressLogMs?: number;
  /** Pages fetched ahead of the one being mapped. @default 1 */
  readAhead?: number;
  /**
   * Pages being loaded into Port at once. With 2, page N+1 is mapped and sent while Port still
   * answers for page N, so neither side waits for the other. @default 2
   */
  loadDepth?: number;
  /** The schedule's interval, reported to Port with every state change. */
  intervalMinutes?: number | null;
  /** Where the schedule counts from (Ocean: process start), for `nextResync`. @default when the runner was created */
  scheduleStart?: Date;
  metrics?: ResyncMetrics;
  /** Masks secrets in error messages that reach status and logs. */
  redact?: (text: string) => string;
  /** Called with Port's `resyncState.updatedAt` after each state report (the polling listener's watermark). */
  onStateReported?: (updatedAt: string) => void;
  /** The organization's ownership registry: warns when another integration writes the same entities. */
  ownership?: EntityOwnership;
}

export interface ResyncError {
  code: string;
  message: string;
  kind?: string;
  resourceIndex?: number;
}

/** What one resync did. Never thrown: a runner reports, the caller decides. */
export interface ResyncReport {
  status: 'completed' | 'failed' | 'aborted';
  startedAt: string;
  endedAt: string;
  progress: ProgressSnapshot;
  /** Kind errors and run errors (mapping unreadable, Port unreachable), in the order they happened. */
  errors: ResyncError[];
  /** Absent when the run did not reach reconciliation. */
  reconciliation?: ReconciliationReport;
  /** Other integrations that hold entities this run wrote (each write takes the entity from them). */
  conflicts: OwnershipConflict[];
}

export interface ResyncRunner {
  /**
   * Runs one full resync: mapping, every resource block in order, reconciliation, state to Port.
   * Resolves with the report whatever happens; `signal` aborts it (status `aborted`, nothing deleted).
   */
  run(signal: AbortSignal, options?: { progress?: ResyncProgress; runId?: string }): Promise<ResyncReport>;
}

const DEFAULT_PAGE_TIMEOUT_MS = 300_000;
const DEFAULT_PROGRESS_LOG_MS = 30_000;
/** How long the final state report may retry before the run ends without it. */
const FINAL_STATE_TIMEOUT_MS = 5_000;
/** At most this many item errors of one page are logged. */
const LOGGED_ITEM_ERRORS = 3;

/**
 * The resync runner of one integration (Ocean 5.1-5.11, with the pitfalls of section 17 fixed):
 * extract → map → load page by page with back-pressure, blocks in mapping order, then
 * reconciliation behind the gates, with the state reported to Port before and after.
 *
 * A failing kind (no handler, plugin exception, hung plugin, bad records, selector errors) is
 * recorded and the next block runs; any kind error blocks deletions for the whole run. Nothing a
 * plugin does can throw out of `run`.
 */
export function createResyncRunner(options: ResyncRunnerOptions): ResyncRunner {
  const { integration, client, engine, metrics } = options;
  const pageTimeoutMs = options.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS;
  const progressLogMs = options.progressLogMs ?? DEFAULT_PROGRESS_LOG_MS;
  const readAhead = options.readAhead ?? 1;
  const loadDepth = options.loadDepth ?? 2;
  if (!Number.isSafeInteger(loadDepth) || loadDepth < 1) throw new RangeError(`loadDepth must be a positive integer, got ${String(options.loadDepth)}`);
  const intervalMinutes = options.intervalMinutes ?? null;
  const scheduleStart = options.scheduleStart ?? new Date();
  const redact = options.redact ?? ((text: string) => text);
  const id = integration.identifier;

  async function reportState(status: ResyncStatus, startedAt: Date, logger: Logger, signal?: AbortSignal): Promise<void> {
    const now = new Date();
    try {
      const updatedAt = await reportResyncState(
        client,
        integration,
        {
          status,
          ...(status === 'running' ? { lastResyncStart: startedAt } : {}),
          lastResyncEnd: status === 'running' ? null : now,
          nextResync: nextResyncAt(scheduleStart, intervalMinutes, now),
          intervalInMinutes: intervalMinutes,
        },
        signal === undefined ? {} : { signal },
      );
      if (updatedAt !== undefined) options.onStateReported?.(updatedAt);
    } catch (error) {
      // The state is informative; a Port blip must not fail (or abort) the resync itself.
      logger.warn({ status, err: redact(describeError(error)) }, 'could not report the resync state to Port');
    }
  }

  return {
    async run(outerSignal, runOptions = {}) {
      // One listener per in-flight Port request: more than Node's default warning level of 10.
      const signal = AbortSignal.any([outerSignal]);
      setMaxListeners(0, signal);
      const progress = runOptions.progress ?? createResyncProgress();
      const startedAt = new Date();
      const logger = options.logger.child({ runId: runOptions.runId ?? startedAt.toISOString() });
      const errors: ResyncError[] = [];
      const blueprintsOfBlock = new Map<number, Set<string>>();
      let reconciliation: ReconciliationReport | undefined;
      let conflicts: OwnershipConflict[] = [];
      let status: ResyncReport['status'];
      metrics?.running.set({ integration: id }, 1);
      // One per run: each misconfigured field of each block is logged once, at the block's end,
      // and each blueprint is read at most once.
      const misconfigurations = createMisconfigurationTracker({
        scope: 'resync',
        logger,
        redact,
        readBlueprint: (blueprint) => readBlueprint(client, integration, blueprint, { lane: 'resync', signal }),
        onCount: (kind, severity, count) => metrics?.misconfigurations.inc({ integration: id, kind, severity }, count),
      });

      const noteError = (error: unknown, where: { kind?: string; resourceIndex?: number } = {}): ResyncError => {
        const entry: ResyncError = { code: isMarinaError(error) ? error.code : 'INTERNAL', message: redact(describeError(error)), ...where };
        errors.push(entry);
        return entry;
      };

      await reportState('running', startedAt, logger, signal);
      let session: IngestionSession | undefined;
      let progressLog: ProgressLog | undefined;
      try {
        signal.throwIfAborted();
        const mapping = await fetchMapping(options.mapping, { client, integration, signal });
        progress.setKinds(mapping.resources.map((resource, resourceIndex) => ({ kind: resource.kind, resourceIndex })));
        logger.info({ kinds: mapping.resources.map((resource) => resource.kind) }, 'resync started');
        progressLog = startProgressLog({ progress, logger, intervalMs: progressLogMs });
        session = createIngestionSession({
          client,
          integration,
          mapping: {
            deleteDependentEntities: mapping.deleteDependentEntities,
            createMissingRelatedEntities: mapping.createMissingRelatedEntities,
            enableMergeEntity: mapping.enableMergeEntity,
            entityDeletionThreshold: mapping.entityDeletionThreshold,
          },
          startedAt,
          signal,
          logger,
          ...(options.ownership === undefined ? {} : { ownership: options.ownership }),
        });
        for (const [resourceIndex, resource] of mapping.resources.entries()) {
          signal.throwIfAborted();
          const block = progress.kind(resourceIndex);
          const seen = new Set<string>();
          blueprintsOfBlock.set(resourceIndex, seen);
          block.state = 'running';
          try {
            await runBlock({ resource, resourceIndex, mappingSettings: mapping.extra, block, seen, session, signal, logger, misconfigurations });
            block.state = 'completed';
            logger.info({ kind: resource.kind, resourceIndex, ...countsOf(block) }, 'kind completed');
          } catch (error) {
            if (signal.aborted) {
              block.state = 'aborted';
              throw error;
            }
            block.state = 'failed';
            const entry = noteError(error, { kind: resource.kind, resourceIndex });
            block.error = { code: entry.code, message: entry.message };
            session.recordKindError(blockKey(resource, resourceIndex), error);
            // The error itself, not its text: the line keeps the plugin's stack (file and line).
            logger.error({ kind: resource.kind, resourceIndex, code: entry.code, err: serializeError(error, redact) }, 'kind failed; stale entities will not be deleted this resync');
          } finally {
            misconfigurations.flush({ resourceIndex, force: true });
          }
        }
        progress.setState('reconciling');
        const outcome = await session.finish();
        reconciliation = outcome.reconciliation;
        conflicts = outcome.conflicts;
        attributeDeletions(progress, mapping, blueprintsOfBlock, reconciliation, (kind, count) => metrics?.add(id, kind, 'deleted', count));
        status = outcome.success && errors.length === 0 ? 'completed' : 'failed';
        logger.info({ reconciliation: { verdict: reconciliation.verdict, stale: reconciliation.stale, deleted: reconciliation.deleted, detail: reconciliation.detail } }, 'reconciliation');
      } catch (error) {
        if (signal.aborted) {
          status = 'aborted';
          if (session !== undefined) conflicts = (await session.finish({ aborted: true }).catch(() => undefined))?.conflicts ?? [];
          logger.info({ reason: describeError(signal.reason) }, 'resync aborted; nothing was deleted');
        } else {
          status = 'failed';
          const entry = noteError(error);
          logger.error({ code: entry.code, err: serializeError(error, redact) }, 'resync failed');
        }
      }
      progressLog?.stop();
      for (const block of progress.snapshot().kinds) {
        if (status === 'aborted' && (block.state === 'running' || block.state === 'pending')) progress.kind(block.resourceIndex).state = 'aborted';
      }
      progress.setState(status);
      const snapshot = progress.snapshot();
      // Aborted runs report too, without the aborted signal: Port should not show them running.
      // Bounded, so an unreachable Port cannot hold up a shutdown that waits for this run.
      await reportState(status, startedAt, logger, AbortSignal.timeout(FINAL_STATE_TIMEOUT_MS));
      metrics?.running.set({ integration: id }, 0);
      metrics?.runs.inc({ integration: id, status });
      if (status === 'completed') metrics?.lastSuccess.set({ integration: id }, Date.parse(snapshot.endedAt ?? new Date().toISOString()) / 1000);
      metrics?.duration.observe({ integration: id, status }, snapshot.elapsedMs / 1000);
      logger.info({ status, elapsedMs: snapshot.elapsedMs, ...snapshot.totals }, `resync ${status}`);
      return {
        status,
        startedAt: snapshot.startedAt,
        endedAt: snapshot.endedAt ?? new Date().toISOString(),
        progress: snapshot,
        errors,
        ...(reconciliation === undefined ? {} : { reconciliation }),
        conflicts,
      };
    },
  };

  async function runBlock(context: {
    resource: ResourceConfig;
    resourceIndex: number;
    mappingSettings: Readonly<Record<string, unknown>>;
    block: KindProgress;
    seen: Set<string>;
    session: IngestionSession;
    signal: AbortSignal;
    logger: Logger;
    misconfigurations: MisconfigurationTracker;
  }): Promise<void> {
    const { resource, resourceIndex, mappingSettings, block, seen, session, signal, logger, misconfigurations } = context;
    const { kind } = resource;
    const where = { integration: id, kind, resourceIndex };
    const instance = options.instance();
    if (instance === undefined) {
      throw new MarinaError('HOST_NOT_RUNNING', `Integration "${id}" has no running plugin instance`, { details: where });
    }
    const handler: ResyncHandler | undefined = Object.hasOwn(instance.resync, kind) ? instance.resync[kind] : instance.resync['*'];
    if (typeof handler !== 'function') {
      throw new MarinaError('RESYNC_KIND_NOT_IMPLEMENTED', `Kind "${kind}" (resource ${resourceIndex}) is in the mapping but the plugin has no resync handler for it (nor a "*" catch-all)`, {
        details: where,
      });
    }
    // The plugin's own signal: the run's, plus a page timeout that gives up on this kind only.
    const kindController = new AbortController();
    const pluginSignal = AbortSignal.any([signal, kindController.signal]);
    const add = (key: keyof KindCounts, delta: number): void => {
      block[key] += delta;
      metrics?.add(id, kind, key, delta);
    };
    let pageNumber = 0;
    let badRecords: MarinaError | undefined;
    /** Upserts of pages still waiting for Port (at most `loadDepth`). */
    const loading = new Set<Promise<void>>();
    let loadFailure: { error: unknown } | undefined;
    const drain = async (limit: number): Promise<void> => {
      while (loading.size > limit) await Promise.race(loading);
      if (loadFailure !== undefined) throw loadFailure.error;
    };
    let stream: AsyncGenerator<unknown, void, undefined> | undefined;
    try {
      let pages: AsyncIterable<unknown>;
      try {
        pages = handler({ kind, selector: resource.selector, resourceIndex, resource: resource as unknown as Record<string, unknown>, mappingSettings, signal: pluginSignal });
        if (pages === null || typeof pages !== 'object' || typeof (pages as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
          throw new MarinaError('RESYNC_PLUGIN_FAILED', `The handler of kind "${kind}" did not return an async iterable of pages (got ${describeType(pages)})`, { details: where });
        }
      } catch (error) {
        throw pluginFailure(error, kind, resourceIndex, 0);
      }
      stream = streamPages(pages, {
        readAhead,
        pageTimeoutMs,
        signal,
        where,
        onTimeout: () =>
          kindController.abort(new MarinaError('RESYNC_PAGE_TIMEOUT', `kind "${kind}" timed out after ${pageTimeoutMs} ms without a page`, { details: where })),
      });
      for (;;) {
        let next: IteratorResult<unknown>;
        try {
          next = await stream.next();
        } catch (error) {
          if (signal.aborted) throw error;
          throw pluginFailure(error, kind, resourceIndex, pageNumber + 1);
        }
        if (next.done) break;
        pageNumber++;
        const page = next.value;
        if (!Array.isArray(page)) {
          throw new MarinaError('RESYNC_BAD_RECORD', `The handler of kind "${kind}" yielded page ${pageNumber} that is not an array of records (got ${describeType(page)})`, {
            details: { ...where, page: pageNumber },
          });
        }
        block.pages++;
        add('records', page.length);
        const mapped = await engine.mapPage(resource, page);
        add('filtered', mapped.counts.filtered);
        add('skipped', mapped.counts.skipped);
        add('mapped', mapped.counts.mapped);
        if (Object.keys(mapped.misconfiguredFields).length > 0) {
          await misconfigurations.add(resource, resourceIndex, mapped.misconfiguredFields);
          block.misconfigurations = misconfigurations.summaries(resourceIndex);
        }
        if (mapped.itemErrors.length > 0) {
          add('failed', mapped.itemErrors.length);
          const first = mapped.itemErrors[0]!;
          badRecords ??= new MarinaError('RESYNC_BAD_RECORD', `Kind "${kind}" (resource ${resourceIndex}), page ${pageNumber}, record ${first.index}: ${first.message}`, {
            details: { ...where, page: pageNumber, record: first.index },
          });
          for (const item of mapped.itemErrors.slice(0, LOGGED_ITEM_ERRORS)) logger.warn({ kind, resourceIndex, page: pageNumber, record: item.index, err: item.message }, 'record could not be mapped');
        }
        for (const entity of mapped.passed) if (typeof entity.blueprint === 'string') seen.add(entity.blueprint);
        const load: Promise<void> = session.upsert(mapped.passed as PortEntity[], { kind: blockKey(resource, resourceIndex), resourceIndex }).then(
          (summary) => {
            add('upserted', summary.upserted);
            add('unchanged', summary.skipped);
            add('failed', summary.failed + summary.unresolved);
          },
          (error: unknown) => {
            loadFailure ??= { error };
          },
        );
        const tracked = load.finally(() => loading.delete(tracked));
        loading.add(tracked);
        await drain(loadDepth - 1);
      }
      await drain(0);
    } finally {
      // A failing block never leaves writes running into the next block.
      await Promise.allSettled([...loading]);
      // A block that stops early (bad page, failed load) closes the stream, which lets the
      // plugin's generator run its own cleanup.
      await stream?.return(undefined).catch(() => undefined);
      // Whatever the plugin still does for this kind (a hung page) is told to stop.
      if (!kindController.signal.aborted) kindController.abort(new MarinaError('RESYNC_ABORTED', `kind "${kind}" is finished`, { details: where }));
    }
    // Bad records do not stop the kind (the good ones are loaded), but they fail it: a record
    // that could not be read might be one that should keep its entity alive.
    if (badRecords !== undefined) throw badRecords;
  }
}

function blockKey(resource: ResourceConfig, resourceIndex: number): string {
  return `${resource.kind}[${resourceIndex}]`;
}

function countsOf(block: KindProgress): KindCounts {
  const { records, mapped, filtered, skipped, upserted, unchanged, failed, deleted } = block;
  return { records, mapped, filtered, skipped, upserted, unchanged, failed, deleted };
}

function pluginFailure(error: unknown, kind: string, resourceIndex: number, page: number): MarinaError {
  if (isMarinaError(error) && (error.code === 'RESYNC_PAGE_TIMEOUT' || error.code === 'RESYNC_PLUGIN_FAILED')) return error;
  return new MarinaError('RESYNC_PLUGIN_FAILED', `The handler of kind "${kind}" (resource ${resourceIndex}) threw${page > 0 ? ` on page ${page}` : ''}: ${describeError(error)}`, {
    cause: error,
    details: { kind, resourceIndex, page },
  });
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** A blueprint literal such as `'"service"'`, the usual mapping; undefined for computed ones. */
function constantBlueprint(resource: ResourceConfig): string | undefined {
  const match = /^\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(resource.port.entity.mappings.blueprint);
  return match === null ? undefined : (JSON.parse(`"${match[1]!}"`) as string);
}

/** Credits each deletion to the first block that produces (or maps to) the entity's blueprint. */
function attributeDeletions(
  progress: ResyncProgress,
  mapping: PortAppConfig,
  seen: Map<number, Set<string>>,
  report: ReconciliationReport,
  onDeleted: (kind: string, count: number) => void,
): void {
  for (const [blueprint, count] of Object.entries(report.deletedByBlueprint)) {
    let owner = mapping.resources.findIndex((_, index) => seen.get(index)?.has(blueprint) === true);
    if (owner === -1) owner = mapping.resources.findIndex((resource) => constantBlueprint(resource) === blueprint);
    if (owner === -1) {
      progress.addUnattributedDeletions(count);
      onDeleted('(unmapped blueprint)', count);
    } else {
      progress.kind(owner).deleted += count;
      onDeleted(mapping.resources[owner]!.kind, count);
    }
  }
}
