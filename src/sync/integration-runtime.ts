import type { Logger } from 'pino';
import { describeError, isMarinaError, MarinaError } from '../errors.js';
import type { IntegrationIdentity, PortClient } from '../port/index.js';
import { createResyncProgress, type ProgressSnapshot, type ResyncProgress } from './resync-progress.js';
import { createResyncRunner, type ResyncError, type ResyncReport, type ResyncRunnerOptions } from './resync-runner.js';
import type { AbortCause, ResyncScheduler, ResyncTrigger } from './scheduler.js';

/**
 * What a listener (POLLING, KAFKA, WEBHOOK, ONCE, WEBHOOKS_ONLY) gets from the runtime. Listeners
 * live in `listeners/` and are handed in as a factory, so `sync/` never imports them.
 */
export interface ListenerContext {
  integration: IntegrationIdentity;
  client: PortClient;
  logger: Logger;
  /**
   * Asks for a resync. A running resync of this integration is aborted and the new one starts
   * once it has settled. @throws MarinaError `RESYNC_DISABLED` for listeners without resyncs.
   */
  requestResync(trigger: ResyncTrigger): ResyncRequestHandle;
  /** Port's `resyncState.updatedAt` after this process's last state report, if any. */
  lastStateUpdatedAt(): string | undefined;
}

export interface EventListener {
  /** The listener type, as configured. */
  readonly type: string;
  /** Whether the integration resyncs at all (false for WEBHOOKS_ONLY and ACTIONS_ONLY). */
  readonly resyncs: boolean;
  start(): Promise<void>;
  /** Stops listening; idempotent. */
  stop(): Promise<void>;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'aborted';

/** One resync as the status API and `GET /integrations/:id/resync/:runId` show it. */
export interface RunRecord {
  runId: string;
  integration: string;
  trigger: ResyncTrigger;
  status: RunStatus;
  requestedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Live while running, final once ended; null until the run starts. */
  progress: ProgressSnapshot | null;
  errors: ResyncError[];
  reconciliation?: ResyncReport['reconciliation'];
  /** Other integrations that hold entities this run wrote (each write takes the entity from them). */
  conflicts: ResyncReport['conflicts'];
  abortedBy?: AbortCause;
}

export interface ResyncRequestHandle {
  runId: string;
  /** Resolves once the run is queued or running (see the scheduler's `accepted`). Never rejects. */
  accepted: Promise<void>;
  /** Resolves with the final record. Never rejects. */
  done: Promise<RunRecord>;
}

export interface RuntimeStatus {
  listener: string;
  /** Why the listener is not running (it is being retried), or null. */
  listenerError: string | null;
  resyncs: boolean;
  intervalMinutes: number | null;
  /** When the next scheduled resync is due, if one is. */
  nextRunAt: string | null;
  running: RunRecord | null;
  queued: RunRecord | null;
  lastRun: RunRecord | null;
  /** The most recent runs, newest first (at most `historySize`). */
  recent: RunRecord[];
}

export interface IntegrationRuntimeOptions {
  integration: IntegrationIdentity;
  scheduler: ResyncScheduler;
  /** The runner's options; the runtime adds the state watermark hook. */
  runner: Omit<ResyncRunnerOptions, 'onStateReported' | 'integration' | 'client' | 'logger' | 'intervalMinutes'>;
  client: PortClient;
  /** Minutes between scheduled resyncs, counted from the end of the last run; null: none. */
  intervalMinutes: number | null;
  listener: (context: ListenerContext) => EventListener;
  logger: Logger;
  /**
   * Runs a resync as tracked work of the integration (the host's `Integration.run`), so a hot
   * reload or shutdown aborts it and waits for it. Default: run it directly.
   */
  runWork?: <T>(work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal) => Promise<T>;
  /** Finished runs kept for lookups by run id. @default 20 */
  historySize?: number;
  /** Wait between attempts to start a listener that failed to start. @default 30000 */
  listenerRetryMs?: number;
}

export interface IntegrationRuntime {
  readonly identifier: string;
  /**
   * Registers with the scheduler and starts the listener. A listener that fails to start is
   * retried in the background (see `listenerError` in the status); this never throws for it.
   */
  start(): Promise<void>;
  /** Stops the listener, aborts a running resync and waits for it. Idempotent. */
  stop(): Promise<void>;
  /** See {@link ListenerContext.requestResync}; used by the webhook and admin routes and `sail`. */
  requestResync(trigger: ResyncTrigger): ResyncRequestHandle;
  /** A run by id (running, queued or among the last `historySize`). */
  run(runId: string): RunRecord | undefined;
  status(): RuntimeStatus;
}

interface Entry {
  record: Omit<RunRecord, 'progress'>;
  progress?: ResyncProgress;
  final?: ProgressSnapshot;
}

/**
 * One integration's resync life: its runner on the shared scheduler (cadence from the end of
 * the last run, no overlap, newer aborts older, global cap), its listener, and the record of
 * its runs for the status API. Nothing here is shared with another integration.
 */
export function createIntegrationRuntime(options: IntegrationRuntimeOptions): IntegrationRuntime {
  const { integration, scheduler, client } = options;
  const id = integration.identifier;
  const logger = options.logger.child({ integration: id });
  const historySize = options.historySize ?? 20;
  const entries = new Map<string, Entry>();
  let lastStateUpdatedAt: string | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;
  const listenerRetryMs = options.listenerRetryMs ?? 30_000;
  let listenerError: string | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let retrying: Promise<void> | undefined;

  const scheduleListenerRetry = (): void => {
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (stopping !== undefined) return;
      retrying = listener.start().then(
        () => {
          listenerError = null;
          logger.info({ listener: listener.type }, 'the event listener started after all');
        },
        (error: unknown) => {
          listenerError = describeError(error);
          logger.warn({ listener: listener.type, err: listenerError, retryInMs: listenerRetryMs }, 'the event listener still cannot start; retrying');
          if (stopping === undefined) scheduleListenerRetry();
        },
      );
    }, listenerRetryMs);
    retryTimer.unref();
  };

  const runner = createResyncRunner({
    ...options.runner,
    integration,
    client,
    logger,
    intervalMinutes: options.intervalMinutes,
    onStateReported: (updatedAt) => {
      lastStateUpdatedAt = updatedAt;
    },
  });

  const view = (entry: Entry): RunRecord => ({
    ...entry.record,
    progress: entry.final ?? entry.progress?.snapshot() ?? null,
    errors: [...entry.record.errors],
    conflicts: entry.record.conflicts.map((conflict) => ({ ...conflict, examples: [...conflict.examples] })),
  });

  const prune = (): void => {
    const finished = [...entries.values()].filter((entry) => entry.record.endedAt !== null);
    for (const entry of finished.slice(0, Math.max(0, finished.length - historySize))) entries.delete(entry.record.runId);
  };

  const entryFor = (runId: string, trigger: ResyncTrigger): Entry => {
    let entry = entries.get(runId);
    if (entry === undefined) {
      entry = { record: { runId, integration: id, trigger: { ...trigger }, status: 'queued', requestedAt: new Date().toISOString(), startedAt: null, endedAt: null, errors: [], conflicts: [] } };
      entries.set(runId, entry);
    }
    return entry;
  };

  async function task(signal: AbortSignal, trigger: ResyncTrigger): Promise<void> {
    // The scheduler marks the run running before it calls the task, so its id is known here.
    const runId = scheduler.status(id).running?.runId;
    if (runId === undefined) throw new MarinaError('RESYNC_FAILED', `Resync of "${id}" started without a run id`, { details: { integration: id } });
    const entry = entryFor(runId, trigger);
    const progress = createResyncProgress();
    entry.progress = progress;
    entry.record.status = 'running';
    entry.record.startedAt = new Date().toISOString();
    let report: ResyncReport;
    try {
      report = options.runWork ? await options.runWork((workSignal) => runner.run(workSignal, { progress, runId }), signal) : await runner.run(signal, { progress, runId });
    } catch (error) {
      // The runner never throws; this is the host refusing the work (integration not running).
      entry.record.status = signal.aborted ? 'aborted' : 'failed';
      entry.record.errors.push({ code: isMarinaError(error) ? error.code : 'INTERNAL', message: describeError(error) });
      entry.record.endedAt = new Date().toISOString();
      progress.setState(entry.record.status === 'aborted' ? 'aborted' : 'failed');
      entry.final = progress.snapshot();
      prune();
      throw error;
    }
    entry.record.status = report.status;
    entry.record.errors.push(...report.errors);
    if (report.reconciliation) entry.record.reconciliation = report.reconciliation;
    entry.record.conflicts = report.conflicts;
    entry.record.endedAt = report.endedAt;
    entry.final = report.progress;
    prune();
    if (report.status === 'failed') {
      const summary = report.errors.map((error) => `${error.kind === undefined ? '' : `${error.kind}: `}${error.code}`).join(', ');
      throw new MarinaError('RESYNC_FAILED', `Resync ${runId} of "${id}" failed (${summary})`, { details: { integration: id, runId, errors: report.errors.map((error) => error.code) } });
    }
    if (report.status === 'aborted' && !signal.aborted) {
      throw new MarinaError('RESYNC_ABORTED', `Resync ${runId} of "${id}" was aborted by the host`, { details: { integration: id, runId } });
    }
  }

  const listener = options.listener({
    integration,
    client,
    logger,
    requestResync: (trigger) => requestResync(trigger),
    lastStateUpdatedAt: () => lastStateUpdatedAt,
  });

  function requestResync(trigger: ResyncTrigger): ResyncRequestHandle {
    if (!listener.resyncs) {
      throw new MarinaError('RESYNC_DISABLED', `Integration "${id}" uses the ${listener.type} event listener, which does not resync`, { details: { integration: id, listener: listener.type } });
    }
    if (!started || stopping !== undefined) {
      throw new MarinaError('HOST_NOT_RUNNING', `Integration "${id}" is not running, so it cannot resync`, { details: { integration: id } });
    }
    const result = scheduler.trigger(id, trigger);
    const entry = entryFor(result.runId, trigger);
    const done = result.done.then((outcome) => {
      if (entry.record.endedAt === null) {
        // Dropped before it started (a newer request took its place, or the integration stopped).
        entry.record.status = 'aborted';
        entry.record.endedAt = new Date(outcome.endedAt).toISOString();
        prune();
      }
      if (outcome.abortedBy !== undefined) entry.record.abortedBy = outcome.abortedBy;
      return view(entry);
    });
    return { runId: result.runId, accepted: result.accepted, done };
  }

  return {
    identifier: id,

    async start() {
      if (started) return;
      scheduler.register(id, {
        ...(listener.resyncs && options.intervalMinutes !== null ? { intervalMs: options.intervalMinutes * 60_000 } : {}),
        run: task,
      });
      started = true;
      try {
        await listener.start();
        logger.info({ listener: listener.type, resyncs: listener.resyncs, intervalMinutes: options.intervalMinutes }, 'resync runtime started');
      } catch (error) {
        // Schedule and admin triggers keep working; the listener is tried again in the background
        // (Kafka down at boot should not need a restart once it is back).
        listenerError = describeError(error);
        logger.error({ listener: listener.type, err: listenerError, retryInMs: listenerRetryMs }, 'the event listener could not start; retrying');
        scheduleListenerRetry();
      }
    },

    stop() {
      if (!started) return Promise.resolve();
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      stopping ??= (async () => {
        await retrying?.catch(() => undefined);
        await listener.stop().catch((error: unknown) => logger.warn({ err: describeError(error) }, 'listener did not stop cleanly'));
        await scheduler.unregister(id).catch((error: unknown) => {
          if (!isMarinaError(error, 'SCHEDULER_UNKNOWN_ID')) throw error;
        });
        // Its entities no longer speak for it (it may come back with another mapping).
        options.runner.ownership?.forget(id);
      })();
      return stopping;
    },

    requestResync,

    run(runId) {
      const entry = entries.get(runId);
      return entry === undefined ? undefined : view(entry);
    },

    status() {
      const scheduled = started && stopping === undefined ? scheduler.status(id) : undefined;
      const records = [...entries.values()].reverse();
      const running = scheduled?.running ? entries.get(scheduled.running.runId) : undefined;
      const queued = scheduled?.queued ? entries.get(scheduled.queued.runId) : undefined;
      const last = records.find((entry) => entry.record.endedAt !== null && entry.record.startedAt !== null);
      return {
        listener: listener.type,
        listenerError,
        resyncs: listener.resyncs,
        intervalMinutes: options.intervalMinutes,
        nextRunAt: scheduled?.nextRunAt === undefined ? null : new Date(scheduled.nextRunAt).toISOString(),
        running: running ? view(running) : null,
        queued: queued ? view(queued) : null,
        lastRun: last ? view(last) : null,
        recent: records.slice(0, historySize).map(view),
      };
    },
  };
}
