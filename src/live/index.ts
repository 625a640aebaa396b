/**
 * Live events: webhook routes, the durable event journal, per-resource ordered queues with
 * retries and dead letters, and Ocean's live-event writes to Port (with the #3827 fix).
 * See README.md in this folder.
 */
export { openJournal, readJournal, type EventJournal, type JournalReadResult } from './event-journal.js';
export { openLiveEventStore, type DeadLetter, type LiveEventStore, type LiveEventStoreOptions, type StoredEvent } from './live-event-store.js';
export { createKeyedQueue, type KeyedQueue } from './keyed-queue.js';
export { compilePathPattern, type PathPattern } from './path-matcher.js';
export { applyLiveResults, type AppliedResults, type ApplyDependencies, type BlockResult } from './apply-results.js';
export { createUpsertCoalescer, type UpsertCoalescer } from './upsert-coalescer.js';
export { resolveRetryPolicy, retryDelayMs, type ResolvedRetryPolicy } from './retry-schedule.js';
export {
  createIntegrationLive,
  toLiveEvent,
  type DeadLetterView,
  type EventOutcome,
  type IntegrationLive,
  type IntegrationLiveOptions,
  type LiveQueueStats,
  type MatchedProcessor,
  type RecentDeadLetters,
} from './integration-live.js';
export { DEFAULT_DELIVERY_ID_HEADERS, registerLiveEventRoutes, type DeliveryAnswer, type LiveEventRoutesOptions } from './live-event-routes.js';
export { createLiveEvents, type AttachOptions, type LiveEvents, type LiveEventsOptions, type LiveSnapshot } from './live-events.js';
