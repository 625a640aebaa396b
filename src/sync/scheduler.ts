import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { MarinaError, describeError } from '../errors.js';
import { systemClock, type SchedulerClock } from './schedule-clock.js';

/** Where a resync request came from. */
export type ResyncTriggerSource =
  /** The integration was registered with `runOnStart`. */
  | 'start'
  /** The integration's own interval came round. */
  | 'schedule'
  /** Port asked for it (polling, Kafka, webhook or once listener). */
  | 'listener'
  /** An operator, through the admin API. */
  | 'admin'
  /** The command line (`marina sail`). */
  | 'cli'
  /** The integration's config, mapping or plugin code changed. */
  | 'reload';

export interface ResyncTrigger {
  source: ResyncTriggerSource;
  /** Free text for logs and status, such as the Kafka message id or the admin user. */
  reason?: string;
}

/** Why a run was aborted. */
export type AbortCause = 'superseded' | 'unregistered' | 'stopped';

export interface RunOutcome {
  runId: string;
  /** The integration the run belongs to. */
  id: string;
  trigger: ResyncTrigger;
  /**
   * `aborted` whenever the run's signal fired before it settled, whatever the task then did:
   * the resync runner must treat an aborted run's results as partial (no deletions).
   */
  status: 'succeeded' | 'failed' | 'aborted';
  requestedAt: number;
  /** When `run` was called; absent when a newer request replaced this one before it started. */
  startedAt?: number;
  endedAt: number;
  /** What the task threw (for `failed`, and for `aborted` runs that threw). */
  error?: unknown;
  abortedBy?: AbortCause;
}

export interface ResyncTask {
  /** Time between the end of one run and the start of the next scheduled one; none: no schedule. */
  intervalMs?: number;
  /** Run once as soon as the integration is registered. @default false */
  runOnStart?: boolean;
  /**
   * One resync. `signal` fires when a newer resync of the same integration is requested, on
   * unregister and on stop; the task should stop promptly and delete nothing.
   */
  run(signal: AbortSignal, trigger: ResyncTrigger): Promise<void>;
}

export interface TriggerResult {
  runId: string;
  /**
   * Resolves once the request has been taken: the integration's previous run (if any) has
   * settled and this run is queued for a slot or running. Also resolves when the request was
   * dropped before that (superseded, unregistered, stopped); `done` tells which. Never rejects.
   */
  accepted: Promise<void>;
  /** Resolves with the outcome when the run has settled (or was dropped). Never rejects. */
  done: Promise<RunOutcome>;
}

export interface ResyncStatus {
  running?: { runId: string; trigger: ResyncTrigger; startedAt: number };
  /** A requested run waiting for the previous run to settle or for a free slot. */
  queued?: { runId: string; trigger: ResyncTrigger; requestedAt: number };
  lastRun?: RunOutcome;
  /** When the next scheduled run is due; absent while a run is running or queued, or without an interval. */
  nextRunAt?: number;
}

export interface SchedulerStats {
  running: number;
  /** Requests waiting for a slot or for their integration's previous run to settle. */
  queued: number;
  maxConcurrentRuns: number;
}

export interface StopResult {
  /** Integrations whose run had not settled by the deadline (their task ignored its signal). */
  unsettled: string[];
}

export interface ResyncScheduler {
  /** @throws MarinaError SCHEDULER_DUPLICATE_ID, SCHEDULER_INVALID_TASK, SCHEDULER_STOPPED */
  register(id: string, task: ResyncTask): void;
  /** Cancels the schedule, aborts the running run and waits for it to settle. */
  unregister(id: string): Promise<void>;
  /**
   * Requests a resync. A running run of the same integration is aborted and the new one starts
   * after it has settled; other integrations are not touched.
   * @throws MarinaError SCHEDULER_UNKNOWN_ID, SCHEDULER_STOPPED
   */
  trigger(id: string, trigger: ResyncTrigger): TriggerResult;
  /** @throws MarinaError SCHEDULER_UNKNOWN_ID */
  status(id: string): ResyncStatus;
  /** The registered integrations, in registration order. */
  ids(): string[];
  /** Load figures for metrics and the admin API. */
  stats(): SchedulerStats;
  /**
   * Drops queued runs, aborts running ones and waits for them, at most `deadlineMs`
   * (default 10 s). Later calls return the same promise.
   */
  stop(options?: { deadlineMs?: number }): Promise<StopResult>;
}

export interface ResyncSchedulerOptions {
  /** Most runs in flight at once, across all integrations. */
  maxConcurrentRuns: number;
  clock?: SchedulerClock;
  /** Spreads first scheduled runs over their interval. @default Math.random */
  random?: () => number;
  logger: Logger;
}

interface Run {
  runId: string;
  id: string;
  trigger: ResyncTrigger;
  requestedAt: number;
  startedAt?: number;
  controller: AbortController;
  abortedBy?: AbortCause;
  accepted: boolean;
  resolveAccepted(): void;
  resolveDone(outcome: RunOutcome): void;
  acceptedPromise: Promise<void>;
  donePromise: Promise<RunOutcome>;
}

interface Entry {
  id: string;
  task: ResyncTask;
  logger: Logger;
  running?: Run;
  queued?: Run;
  timer?: unknown;
  nextRunAt?: number;
  lastRun?: RunOutcome;
  /** Set by unregister: no new runs, the entry goes once its run settles. */
  leaving: boolean;
}

// setTimeout overflows above 2^31-1 ms (about 24.8 days) and fires at once; longer waits are
// taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_STOP_DEADLINE_MS = 10_000;

/**
 * Runs each integration's resyncs one at a time, on its interval and on request, under a global
 * cap. Knows nothing of plugins, mapping or Port: a run is any `(signal, trigger) => Promise`.
 *
 * - The cadence counts from the end of the last run (of any trigger), so runs never overlap
 *   themselves however long they take.
 * - A new request for an integration aborts its running run and starts after it has settled, so
 *   two runs of one integration never write at the same time. Other integrations are untouched
 *   (Ocean aborts every resync in the process).
 * - Requests beyond the cap wait in one FIFO queue, at most one entry per integration, so a busy
 *   integration cannot starve the others.
 * - First scheduled runs are spread at random over the interval, so fifty integrations with the
 *   same interval do not all start at once.
 */
export function createResyncScheduler(options: ResyncSchedulerOptions): ResyncScheduler {
  const { maxConcurrentRuns, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  if (!Number.isSafeInteger(maxConcurrentRuns) || maxConcurrentRuns < 1) {
    throw new MarinaError('SCHEDULER_INVALID_TASK', `Expected maxConcurrentRuns to be a positive integer, got ${String(maxConcurrentRuns)}`, {
      details: { field: 'maxConcurrentRuns' },
    });
  }

  const entries = new Map<string, Entry>();
  /** Requested runs in request order; a run is startable once its integration has no running run. */
  const queue: Run[] = [];
  let active = 0;
  let stopping: Promise<StopResult> | undefined;

  const abortReason = (run: Run, cause: AbortCause): MarinaError =>
    new MarinaError('RESYNC_ABORTED', `Resync ${run.runId} of ${run.id} was aborted (${cause})`, {
      details: { integration: run.id, runId: run.runId, cause },
    });

  const accept = (run: Run): void => {
    if (run.accepted) return;
    run.accepted = true;
    run.resolveAccepted();
  };

  /** Settles a run that never started. */
  const drop = (entry: Entry, run: Run, cause: AbortCause): void => {
    const index = queue.indexOf(run);
    if (index !== -1) queue.splice(index, 1);
    if (entry.queued === run) entry.queued = undefined;
    run.abortedBy = cause;
    run.controller.abort(abortReason(run, cause));
    const outcome: RunOutcome = { runId: run.runId, id: run.id, trigger: run.trigger, status: 'aborted', requestedAt: run.requestedAt, endedAt: clock.now(), abortedBy: cause };
    entry.logger.info({ runId: run.runId, trigger: run.trigger, cause }, 'resync request dropped before it started');
    accept(run);
    run.resolveDone(outcome);
  };

  const abortRunning = (entry: Entry, cause: AbortCause): void => {
    const run = entry.running;
    if (run === undefined || run.controller.signal.aborted) return;
    run.abortedBy = cause;
    entry.logger.info({ runId: run.runId, cause }, 'aborting running resync');
    run.controller.abort(abortReason(run, cause));
  };

  const cancelTimer = (entry: Entry): void => {
    if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.nextRunAt = undefined;
  };

  const scheduleAt = (entry: Entry, at: number): void => {
    cancelTimer(entry);
    entry.nextRunAt = at;
    const wait = (): void => {
      const remaining = at - clock.now();
      if (remaining > 0) {
        entry.timer = clock.setTimeout(wait, Math.min(remaining, MAX_TIMER_MS));
        return;
      }
      entry.timer = undefined;
      entry.nextRunAt = undefined;
      if (!entry.leaving && stopping === undefined && entries.get(entry.id) === entry) request(entry, { source: 'schedule' });
    };
    entry.timer = clock.setTimeout(wait, Math.min(Math.max(0, at - clock.now()), MAX_TIMER_MS));
  };

  const pump = (): void => {
    while (active < maxConcurrentRuns) {
      const index = queue.findIndex((run) => entries.get(run.id)?.running === undefined);
      if (index === -1) return;
      const [run] = queue.splice(index, 1) as [Run];
      start(run);
    }
  };

  const start = (run: Run): void => {
    const entry = entries.get(run.id) as Entry;
    entry.queued = undefined;
    entry.running = run;
    active++;
    run.startedAt = clock.now();
    accept(run);
    entry.logger.info({ runId: run.runId, trigger: run.trigger }, 'resync started');
    let result: Promise<void>;
    try {
      result = Promise.resolve(entry.task.run(run.controller.signal, run.trigger));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => finish(entry, run, undefined, false),
      (error: unknown) => finish(entry, run, error, true),
    );
  };

  const finish = (entry: Entry, run: Run, error: unknown, threw: boolean): void => {
    const endedAt = clock.now();
    const aborted = run.controller.signal.aborted;
    const outcome: RunOutcome = {
      runId: run.runId,
      id: run.id,
      trigger: run.trigger,
      status: aborted ? 'aborted' : threw ? 'failed' : 'succeeded',
      requestedAt: run.requestedAt,
      startedAt: run.startedAt as number,
      endedAt,
    };
    if (threw) outcome.error = error;
    if (aborted && run.abortedBy !== undefined) outcome.abortedBy = run.abortedBy;
    entry.running = undefined;
    entry.lastRun = outcome;
    active--;
    const fields = { runId: run.runId, trigger: run.trigger, status: outcome.status, durationMs: endedAt - (run.startedAt as number) };
    if (outcome.status === 'failed') entry.logger.warn({ ...fields, error: describeError(error) }, 'resync failed');
    else entry.logger.info(fields, `resync ${outcome.status}`);

    if (entry.leaving) {
      entries.delete(entry.id);
    } else if (entry.queued !== undefined) {
      accept(entry.queued);
    } else if (entry.task.intervalMs !== undefined && stopping === undefined) {
      scheduleAt(entry, endedAt + entry.task.intervalMs);
    }
    run.resolveDone(outcome);
    pump();
  };

  const createRun = (id: string, trigger: ResyncTrigger): Run => {
    let resolveAccepted!: () => void;
    let resolveDone!: (outcome: RunOutcome) => void;
    const acceptedPromise = new Promise<void>((resolve) => (resolveAccepted = resolve));
    const donePromise = new Promise<RunOutcome>((resolve) => (resolveDone = resolve));
    return {
      runId: randomUUID(),
      id,
      trigger: { ...trigger },
      requestedAt: clock.now(),
      controller: new AbortController(),
      accepted: false,
      resolveAccepted,
      resolveDone,
      acceptedPromise,
      donePromise,
    };
  };

  const request = (entry: Entry, trigger: ResyncTrigger): TriggerResult => {
    const run = createRun(entry.id, trigger);
    cancelTimer(entry);
    const replaced = entry.queued;
    if (replaced !== undefined) {
      // The newer request takes the older one's place in line: it was already waiting its turn.
      queue[queue.indexOf(replaced)] = run;
      drop(entry, replaced, 'superseded');
    } else {
      queue.push(run);
    }
    entry.queued = run;
    entry.logger.debug({ runId: run.runId, trigger }, 'resync requested');
    if (entry.running === undefined) accept(run);
    else abortRunning(entry, 'superseded');
    pump();
    return { runId: run.runId, accepted: run.acceptedPromise, done: run.donePromise };
  };

  const entryOf = (id: string): Entry => {
    const entry = entries.get(id);
    if (entry === undefined || entry.leaving) {
      throw new MarinaError('SCHEDULER_UNKNOWN_ID', `No integration "${id}" is registered with the resync scheduler`, { details: { integration: id } });
    }
    return entry;
  };

  const refuseWhenStopped = (action: string, id: string): void => {
    if (stopping !== undefined) {
      throw new MarinaError('SCHEDULER_STOPPED', `Cannot ${action} "${id}": the resync scheduler is stopped`, { details: { integration: id } });
    }
  };

  return {
    register(id, task) {
      refuseWhenStopped('register', id);
      if (typeof id !== 'string' || id.length === 0) {
        throw new MarinaError('SCHEDULER_INVALID_TASK', `Expected a non-empty integration id, got ${JSON.stringify(id)}`, { details: { field: 'id' } });
      }
      if (entries.has(id)) {
        throw new MarinaError('SCHEDULER_DUPLICATE_ID', `Integration "${id}" is already registered with the resync scheduler`, { details: { integration: id } });
      }
      if (typeof task?.run !== 'function') {
        throw new MarinaError('SCHEDULER_INVALID_TASK', `Expected the task of "${id}" to have a run function`, { details: { integration: id, field: 'run' } });
      }
      const interval = task.intervalMs;
      if (interval !== undefined && !(typeof interval === 'number' && Number.isFinite(interval) && interval > 0)) {
        throw new MarinaError('SCHEDULER_INVALID_TASK', `Expected intervalMs of "${id}" to be a positive number of milliseconds, got ${String(interval)}`, {
          details: { integration: id, field: 'intervalMs' },
        });
      }
      const entry: Entry = { id, task, logger: logger.child({ integration: id }), leaving: false };
      entries.set(id, entry);
      if (task.runOnStart) request(entry, { source: 'start' });
      else if (interval !== undefined) scheduleAt(entry, clock.now() + Math.floor(random() * interval));
    },

    async unregister(id) {
      const entry = entryOf(id);
      entry.leaving = true;
      cancelTimer(entry);
      if (entry.queued !== undefined) drop(entry, entry.queued, 'unregistered');
      const running = entry.running;
      if (running === undefined) {
        entries.delete(id);
        return;
      }
      abortRunning(entry, 'unregistered');
      await running.donePromise;
    },

    trigger(id, trigger) {
      refuseWhenStopped('trigger a resync of', id);
      return request(entryOf(id), trigger);
    },

    status(id) {
      const entry = entryOf(id);
      const status: ResyncStatus = {};
      if (entry.running) status.running = { runId: entry.running.runId, trigger: entry.running.trigger, startedAt: entry.running.startedAt as number };
      if (entry.queued) status.queued = { runId: entry.queued.runId, trigger: entry.queued.trigger, requestedAt: entry.queued.requestedAt };
      if (entry.lastRun) status.lastRun = entry.lastRun;
      if (entry.nextRunAt !== undefined) status.nextRunAt = entry.nextRunAt;
      return status;
    },

    ids: () => [...entries.values()].filter((entry) => !entry.leaving).map((entry) => entry.id),

    stats: () => ({ running: active, queued: queue.length, maxConcurrentRuns }),

    stop({ deadlineMs = DEFAULT_STOP_DEADLINE_MS } = {}) {
      if (stopping !== undefined) return stopping;
      let resolveStop!: (result: StopResult) => void;
      // Set first: nothing below may re-arm a schedule or admit a request.
      stopping = new Promise<StopResult>((resolve) => (resolveStop = resolve));
      const running: Run[] = [];
      for (const entry of entries.values()) {
        cancelTimer(entry);
        if (entry.queued !== undefined) drop(entry, entry.queued, 'stopped');
        if (entry.running !== undefined) {
          running.push(entry.running);
          abortRunning(entry, 'stopped');
        }
      }
      const settled = new Set<Run>();
      let finished = false;
      const finishStop = (): void => {
        if (finished) return;
        finished = true;
        clock.clearTimeout(deadline);
        const unsettled = running.filter((run) => !settled.has(run)).map((run) => run.id);
        if (unsettled.length > 0) logger.warn({ unsettled, deadlineMs }, 'resyncs still running at the stop deadline; they ignored their abort signal');
        resolveStop({ unsettled });
      };
      const deadline = clock.setTimeout(finishStop, deadlineMs);
      if (running.length === 0) finishStop();
      for (const run of running) {
        void run.donePromise.then(() => {
          settled.add(run);
          if (settled.size === running.length) finishStop();
        });
      }
      return stopping;
    },
  };
}
