import type { Logger } from 'pino';
import { describeError, isMarinaError, MarinaError } from '../errors.js';
import { createMisconfigurationTracker, type MappingEngine, type MisconfigurationSeverity, type MisconfigurationSummary, type PortAppConfig } from '../mapping/index.js';
import {
  createOwnershipConflictReporter,
  readBlueprint,
  refKey,
  upsertLiveEntities,
  type EntityOwnership,
  type IntegrationIdentity,
  type PortClient,
  type UpsertOutcome,
} from '../port/index.js';
import { defineLiveEventProcessor, isLiveEventProcessor, isRetryableError, type LiveEvent, type LiveEventProcessor } from '../sdk/index.js';
import { applyLiveResults, type AppliedResults, type BlockResult, type MisconfiguredBlock } from './apply-results.js';
import { createKeyedQueue } from './keyed-queue.js';
import type { DeadLetter, LiveEventStore, StoredEvent } from './live-event-store.js';
import { compilePathPattern, type PathPattern } from './path-matcher.js';
import { resolveRetryPolicy, retryDelayMs } from './retry-schedule.js';
import { createUpsertCoalescer, type UpsertCoalescer } from './upsert-coalescer.js';

export interface IntegrationLiveOptions {
  integration: IntegrationIdentity;
  processors: readonly LiveEventProcessor[];
  /**
   * The mapping for one event. Ocean reads it from Port for every event; callers may cache it
   * briefly, since an event must not wait on Port for the mapping at every delivery.
   */
  mapping: (signal: AbortSignal) => Promise<PortAppConfig>;
  engine: MappingEngine;
  client: PortClient;
  store: LiveEventStore;
  logger: Logger;
  /**
   * Events of different resources handled at once. Most of an event's time is waiting (third
   * party, Port), and its writes share bulk requests, so this can be high. @default 32
   */
  concurrency?: number;
  /** Told when an event is done: handled, dead-lettered, or left pending by shutdown. */
  onSettled?: (event: StoredEvent, outcome: EventOutcome) => void;
  /** Told of mapped fields that came out null, once their severity is known (metrics). */
  onMisconfigured?: (kind: string, severity: MisconfigurationSeverity, count: number) => void;
  /** The organization's ownership registry: warns when an event writes an entity another integration holds. */
  ownership?: EntityOwnership;
}

/** A misconfigured field, or a pair of integrations writing the same entities, is logged again (with what came meanwhile) at most this often. */
const MISCONFIGURATION_LOG_INTERVAL_MS = 10 * 60_000;
/** How long a blueprint read to judge misconfigurations is reused. */
const BLUEPRINT_TTL_MS = 5 * 60_000;

export type EventOutcome =
  | { status: 'handled'; attempts: number; results: AppliedResults }
  | { status: 'dead-lettered'; attempts: number; reason: string }
  /** Shutdown or removal interrupted it; it stays in the journal for the next start. */
  | { status: 'interrupted' };

/** A processor matched by path, with the route parameters it captured. */
export interface MatchedProcessor {
  processor: LiveEventProcessor;
  params: Record<string, string>;
}

export interface LiveQueueStats {
  /** Events waiting for their turn. */
  queued: number;
  /** Events being handled now (one per resource at most). */
  running: number;
  handled: number;
  retries: number;
  deadLettered: number;
  deadLetters: number;
}

export interface RecentDeadLetters {
  count: number;
  latest?: DeadLetterView;
}

export interface DeadLetterView {
  id: string;
  path: string;
  processors: string[];
  resourceKey: string;
  deliveryId: string | null;
  receivedAt: string;
  failedAt: string;
  attempts: number;
  reason: string;
}

/**
 * One integration's live events: its processors, its own ordered queue (so a slow or broken
 * integration never delays another), retries, the per-attempt timeout and its dead letters.
 */
export interface IntegrationLive {
  readonly identifier: string;
  /** The processors whose path matches `requestPath`, in registration order. */
  match(requestPath: string): MatchedProcessor[];
  /** Queues an event the store has already persisted. */
  enqueue(event: StoredEvent): void;
  /**
   * Swaps the processors (hot reload), and the identity when the plugin's version changed.
   * Queued events find their processors by name when their turn (or their next try) comes.
   * @throws MarinaError `LIVE_PROCESSOR_FAILED` when two processors share a name (nothing changes).
   */
  setProcessors(processors: readonly LiveEventProcessor[], integration?: IntegrationIdentity): void;
  /** Queues a dead letter again. @returns false when there is no dead letter with that id. */
  replay(id: string): Promise<boolean>;
  discard(id: string): Promise<boolean>;
  deadLetters(): DeadLetterView[];
  /** Dead letters still in the list that failed at or after `since` (epoch ms), and the latest of them. */
  recentDeadLetters(since: number): RecentDeadLetters;
  stats(): LiveQueueStats;
  /** Fields the mapping left null in handled events since the integration attached, per kind. */
  misconfigurations(): MisconfigurationSummary[];
  /** Resolves when the queue is empty and nothing runs. */
  drain(): Promise<void>;
  /** Stops: aborts running attempts (their events stay in the journal) and refuses new ones. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/** Builds the event a processor sees from what the store kept. */
export function toLiveEvent(event: StoredEvent, params: Record<string, string>, body: unknown, processorPath: string): LiveEvent {
  return {
    id: event.id,
    path: processorPath,
    params,
    query: event.query,
    headers: event.headers,
    body,
    rawBody: event.rawBody,
    receivedAt: event.receivedAt,
  };
}

function deadLetterView(letter: DeadLetter): DeadLetterView {
  return {
    id: letter.event.id,
    path: letter.event.path,
    processors: letter.event.processors,
    resourceKey: letter.event.resourceKey,
    deliveryId: letter.event.deliveryId ?? null,
    receivedAt: letter.event.receivedAt.toISOString(),
    failedAt: letter.at.toISOString(),
    attempts: letter.attempts,
    reason: letter.reason,
  };
}

/** Rejects as soon as `signal` aborts, even if `work` ignores the signal. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return untilAborted(new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), signal);
}

/**
 * A processor the host may serve: a `defineLiveEventProcessor` result from any SDK copy (its
 * brand), or a plain object that passes the same checks.
 * @throws MarinaError `LIVE_PROCESSOR_FAILED` naming the processor and what is wrong with it.
 */
function checkedProcessor(processor: unknown, index: number, identifier: string): LiveEventProcessor {
  if (isLiveEventProcessor(processor)) return processor;
  try {
    return defineLiveEventProcessor(processor as LiveEventProcessor);
  } catch (error) {
    const name = typeof (processor as { name?: unknown } | null)?.name === 'string' ? ` ("${(processor as { name: string }).name}")` : '';
    throw new MarinaError('LIVE_PROCESSOR_FAILED', `Live-event processor ${index}${name} of integration "${identifier}" is invalid: ${(error as Error).message}`, {
      details: { integration: identifier, processor: index },
    });
  }
}

/** Carries the processor whose `handle` failed, so its own retry policy applies. */
class HandleFailure extends Error {
  constructor(
    readonly processor: LiveEventProcessor,
    readonly original: unknown,
  ) {
    super(describeError(original), { cause: original });
  }
}

export function createIntegrationLive(options: IntegrationLiveOptions): IntegrationLive {
  const { store, logger } = options;
  let integration = options.integration;
  const identifier = integration.identifier;
  let processors: { processor: LiveEventProcessor; pattern: PathPattern }[] = [];
  const queue = createKeyedQueue({ concurrency: options.concurrency ?? 32 });
  const lifetime = new AbortController();
  const counters = { handled: 0, retries: 0, deadLettered: 0 };
  // One coalescer per set of write flags, so events share requests only when Port would treat
  // their entities alike.
  const coalescers = new Map<string, UpsertCoalescer>();
  // An entity Port already had (not created) that another integration's latest resync holds:
  // this write takes it from that integration. One line per pair, then at most every 10 minutes.
  const conflicts = createOwnershipConflictReporter({ integration: identifier, logger, scope: 'live events', logIntervalMs: MISCONFIGURATION_LOG_INTERVAL_MS });
  const noteConflicts = (outcomes: UpsertOutcome[]): UpsertOutcome[] => {
    const ownership = options.ownership;
    if (ownership === undefined) return outcomes;
    let found = false;
    for (const outcome of outcomes) {
      if (outcome.status !== 'upserted' || outcome.created) continue;
      for (const other of ownership.holders(refKey(outcome.entity.blueprint, outcome.identifier), identifier)) {
        conflicts.note(other, outcome.entity.blueprint, outcome.identifier);
        found = true;
      }
    }
    if (found) conflicts.flush();
    return outcomes;
  };
  const coalescerFor = (mapping: PortAppConfig): UpsertCoalescer => {
    const flags = { enableMergeEntity: mapping.enableMergeEntity, createMissingRelatedEntities: mapping.createMissingRelatedEntities };
    const key = JSON.stringify(flags);
    let coalescer = coalescers.get(key);
    if (coalescer === undefined) {
      coalescer = createUpsertCoalescer((entities) => upsertLiveEntities(options.client, integration, entities, flags, { signal: lifetime.signal }).then(noteConflicts));
      coalescers.set(key, coalescer);
    }
    return coalescer;
  };

  const setProcessors = (declared: readonly LiveEventProcessor[], identity?: IntegrationIdentity): void => {
    const list = declared.map((processor, index) => checkedProcessor(processor, index, identifier));
    const names = new Set<string>();
    for (const processor of list) {
      if (names.has(processor.name)) {
        throw new MarinaError('LIVE_PROCESSOR_FAILED', `Integration "${identifier}" declares two live-event processors named "${processor.name}"; names must be unique`, {
          details: { integration: identifier, processor: processor.name },
        });
      }
      names.add(processor.name);
    }
    processors = list.map((processor) => ({ processor, pattern: compilePathPattern(processor.path) }));
    if (identity !== undefined && (identity.type !== integration.type || identity.version !== integration.version)) {
      integration = { ...identity, identifier };
      // Their requests carry the old version in the User-Agent (Port's datasource).
      coalescers.clear();
    }
  };
  setProcessors(options.processors);

  // Counted over the integration's life; each field logged at once, then at most every 10 minutes.
  const misconfigurations = createMisconfigurationTracker({
    scope: 'live events',
    logger,
    readBlueprint: (blueprint) => readBlueprint(options.client, integration, blueprint, { lane: 'live', signal: lifetime.signal }),
    ...(options.onMisconfigured === undefined ? {} : { onCount: options.onMisconfigured }),
    blueprintTtlMs: BLUEPRINT_TTL_MS,
    logIntervalMs: MISCONFIGURATION_LOG_INTERVAL_MS,
  });
  /**
   * Counts what the event's last try mapped, once the event is settled (handled or
   * dead-lettered: a required field left null is often why Port refused it), so retried tries do
   * not count twice. Never delays the event: the blueprint read happens after.
   */
  const countMisconfigurations = (blocks: readonly MisconfiguredBlock[]): void => {
    if (blocks.length === 0) return;
    void Promise.all(blocks.map(({ resource, resourceIndex, fields }) => misconfigurations.add(resource, resourceIndex, fields))).then(() => misconfigurations.flush());
  };

  /** One try: every matching resource block of every processor, then one write to Port. */
  const attempt = async (
    event: StoredEvent,
    chosen: MatchedProcessor[],
    body: unknown,
    signal: AbortSignal,
    onMisconfigured: (blocks: MisconfiguredBlock[]) => void,
  ): Promise<AppliedResults> => {
    let mapping: PortAppConfig;
    try {
      mapping = await untilAborted(options.mapping(signal), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      // The mapping may be missing only for now (the integration is being provisioned, Port
      // is down, someone is fixing it): worth the retries, then a dead letter to replay.
      throw new MarinaError('LIVE_EVENT_FAILED', `Could not read the mapping of integration "${identifier}": ${describeError(error)}`, { cause: error, retryable: true, details: { integration: identifier } });
    }
    const jobs: Promise<BlockResult>[] = [];
    for (const { processor, params } of chosen) {
      const liveEvent = toLiveEvent(event, params, body, processor.path);
      let kinds: readonly string[];
      try {
        kinds = await processor.kinds(liveEvent);
      } catch (error) {
        throw new HandleFailure(processor, error);
      }
      mapping.resources.forEach((resource, resourceIndex) => {
        if (!kinds.includes(resource.kind)) return;
        const request = { kind: resource.kind, selector: resource.selector, resourceIndex, resource: resource as unknown as Record<string, unknown>, mappingSettings: mapping.extra, signal };
        jobs.push(
          untilAborted(
            Promise.resolve().then(() => processor.handle(liveEvent, request)),
            signal,
          ).then(
            (result) => {
              const updated: unknown = result?.updated ?? [];
              const deleted: unknown = result?.deleted ?? [];
              if (!Array.isArray(updated) || !Array.isArray(deleted)) {
                throw new HandleFailure(processor, new TypeError(`handle() of processor "${processor.name}" must return { updated: [...], deleted: [...] }, got ${JSON.stringify(result)?.slice(0, 200)}`));
              }
              return { resource, resourceIndex, updated, deleted } as BlockResult;
            },
            (error: unknown) => {
              throw new HandleFailure(processor, error);
            },
          ),
        );
      });
    }
    // Settle every job before failing, so no handle keeps running unobserved into the next try.
    const settled = await Promise.allSettled(jobs);
    const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const results = settled.map((outcome) => (outcome as PromiseFulfilledResult<BlockResult>).value);
    const coalescer = coalescerFor(mapping);
    return applyLiveResults(results, {
      engine: options.engine,
      client: options.client,
      integration,
      mapping,
      signal,
      upsert: (entities) => untilAborted(coalescer.upsert(entities), signal),
      onMisconfigured,
    });
  };

  const isRetryable = (error: unknown, fallback: LiveEventProcessor): boolean => {
    if (isMarinaError(error, 'LIVE_EVENT_TIMEOUT')) return true;
    if (error instanceof HandleFailure) {
      const original = error.original;
      if (isMarinaError(original, 'LIVE_EVENT_TIMEOUT')) return true;
      return error.processor.isRetryable ? error.processor.isRetryable(original) : isRetryableError(original);
    }
    // Port or mapping trouble: Port's client says whether it is transient.
    if (isMarinaError(error)) return error.retryable;
    return fallback.isRetryable ? fallback.isRetryable(error) : isRetryableError(error);
  };

  const process = async (event: StoredEvent): Promise<void> => {
    if (lifetime.signal.aborted) return options.onSettled?.(event, { status: 'interrupted' });
    const log = logger.child({ eventId: event.id, resourceKey: event.resourceKey });
    // Resolved again before every try: a hot reload between tries hands the event to the new
    // version's processors instead of the closed instance's.
    const resolve = (): MatchedProcessor[] => {
      const found: MatchedProcessor[] = [];
      for (const name of event.processors) {
        const entry = processors.find((candidate) => candidate.processor.name === name);
        const params = entry?.pattern.match(event.path);
        if (entry !== undefined && params !== undefined) found.push({ processor: entry.processor, params });
      }
      return found;
    };
    let chosen = resolve();
    /** What the latest try's mapping left null; counted when the event settles. */
    let misconfigured: MisconfiguredBlock[] = [];
    const deadLetter = async (reason: string, attempts: number, error?: unknown): Promise<void> => {
      counters.deadLettered++;
      countMisconfigurations(misconfigured);
      // An error line: the event is lost until someone replays it. With the failure itself, so
      // a processor's exception keeps its stack (the plugin's file and line).
      log.error({ attempts, reason, ...(error === undefined ? {} : { err: error }) }, 'Live event failed; moved to the dead-letter list');
      await store.deadLetter(event, reason, attempts).catch((error: unknown) => log.error({ err: describeError(error) }, 'Could not record the dead letter; the event stays queued for the next start'));
      options.onSettled?.(event, { status: 'dead-lettered', attempts, reason });
    };
    if (chosen.length === 0) {
      return deadLetter(`No processor named ${event.processors.map((name) => `"${name}"`).join(', ')} serves path ${event.path} any more`, 0);
    }
    let body: unknown;
    try {
      body = JSON.parse(event.rawBody.toString('utf8'));
    } catch (error) {
      return deadLetter(`The stored body is not JSON: ${(error as Error).message}`, 0);
    }
    const lead = chosen[0]!.processor;
    const policy = resolveRetryPolicy(lead.retry);
    const timeoutMs = Math.max(...chosen.map(({ processor }) => processor.timeoutMs ?? 90_000));
    for (let tries = 1; ; tries++) {
      if (tries > 1) {
        chosen = resolve();
        if (chosen.length === 0) return deadLetter(`No processor named ${event.processors.map((name) => `"${name}"`).join(', ')} serves path ${event.path} any more`, tries - 1);
      }
      // One controller per try, fired by the timeout or by close(). Not AbortSignal.any: on
      // Node 20 it keeps every derived signal reachable from the long-lived lifetime signal.
      const attemptController = new AbortController();
      const onClose = (): void => attemptController.abort(lifetime.signal.reason);
      lifetime.signal.addEventListener('abort', onClose, { once: true });
      const timer = setTimeout(() => {
        attemptController.abort(new MarinaError('LIVE_EVENT_TIMEOUT', `Live event ${event.id} took longer than ${timeoutMs} ms`, { retryable: true, details: { integration: identifier, timeoutMs } }));
      }, timeoutMs);
      timer.unref();
      const signal = attemptController.signal;
      try {
        misconfigured = [];
        const results = await attempt(event, chosen, body, signal, (blocks) => (misconfigured = blocks));
        counters.handled++;
        store.complete(event);
        log.debug({ attempts: tries, upserted: results.upserted.length, deleted: results.deleted.length }, 'Live event handled');
        if (results.problems.length > 0) log.warn({ problems: results.problems }, 'Some records of the live event could not be mapped');
        countMisconfigurations(misconfigured);
        options.onSettled?.(event, { status: 'handled', attempts: tries, results });
        return;
      } catch (error) {
        if (lifetime.signal.aborted) {
          options.onSettled?.(event, { status: 'interrupted' });
          return;
        }
        const failingPolicy = error instanceof HandleFailure ? resolveRetryPolicy(error.processor.retry) : policy;
        const failure = error instanceof HandleFailure ? error.original : error;
        const reason = describeError(failure);
        if (!isRetryable(error, lead) || tries >= failingPolicy.attempts) return deadLetter(reason, tries, failure);
        const delay = retryDelayMs(failingPolicy, tries);
        counters.retries++;
        log.info({ attempt: tries, of: failingPolicy.attempts, delayMs: delay, reason }, 'Live event attempt failed; retrying');
        try {
          await wait(delay, lifetime.signal);
        } catch {
          options.onSettled?.(event, { status: 'interrupted' });
          return;
        }
      } finally {
        clearTimeout(timer);
        lifetime.signal.removeEventListener('abort', onClose);
      }
    }
  };

  const enqueue = (event: StoredEvent): void => {
    queue.add(event.resourceKey, () => process(event));
  };

  // Events a previous run accepted and did not finish come first, in arrival order.
  for (const event of store.pending(identifier)) enqueue(event);

  return {
    identifier,
    match(requestPath) {
      const matches: MatchedProcessor[] = [];
      for (const { processor, pattern } of processors) {
        const params = pattern.match(requestPath);
        if (params !== undefined) matches.push({ processor, params });
      }
      return matches;
    },
    enqueue(event) {
      if (lifetime.signal.aborted) throw new MarinaError('HOST_NOT_RUNNING', `Live events of integration "${identifier}" are stopped`, { details: { integration: identifier } });
      enqueue(event);
    },
    setProcessors,
    async replay(id) {
      const event = await store.replay(identifier, id);
      if (event === undefined) return false;
      enqueue(event);
      return true;
    },
    discard: (id) => store.discard(identifier, id),
    deadLetters: () => store.deadLetters(identifier).map(deadLetterView),
    recentDeadLetters(since) {
      // The list is in the order the events failed: count back from the newest.
      const letters = store.deadLetters(identifier);
      let count = 0;
      for (let index = letters.length - 1; index >= 0 && letters[index]!.at.getTime() >= since; index--) count++;
      const newest = letters[letters.length - 1];
      return count === 0 || newest === undefined ? { count } : { count, latest: deadLetterView(newest) };
    },
    stats: () => ({ queued: queue.waiting, running: queue.running, ...counters, deadLetters: store.deadLetters(identifier).length }),
    misconfigurations: () => misconfigurations.summaries(),
    drain: () => queue.onIdle(),
    async close() {
      lifetime.abort(new MarinaError('HOST_NOT_RUNNING', `Live events of integration "${identifier}" stopped`, { details: { integration: identifier } }));
      await queue.onIdle();
    },
    get closed() {
      return lifetime.signal.aborted;
    },
  };
}
