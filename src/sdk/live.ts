import { brand, hasBrand, SDK_BRANDS } from './brand.js';
import type { KindSelector, RawRecord } from './resync.js';

/** A webhook delivery from a third-party system, as the host received it. */
export interface LiveEvent {
  /** Host-assigned id, unique per delivery; appears in logs and the dead-letter list. */
  id: string;
  /** The processor path the request matched, such as `/github`. */
  path: string;
  /** Route parameters of the processor path (`/projects/:projectId` gives `projectId`). */
  params: Record<string, string>;
  /** Query-string parameters. */
  query: Record<string, string | string[]>;
  /** Request headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body. */
  body: unknown;
  /** The body exactly as received, for signature checks (HMAC over the raw bytes). */
  rawBody: Buffer;
  /** When the host accepted the delivery. */
  receivedAt: Date;
}

/** What a processor's `handle` returns: the raw records to upsert and to delete. */
export interface LiveEventResult {
  /** Records that were created or changed. They are mapped; those failing the selector are deleted. */
  updated: RawRecord[];
  /** Records that no longer exist. Their entities are deleted if this integration owns them. */
  deleted: RawRecord[];
}

/** The resource block a processor handles an event for, with a signal for timeout and shutdown. */
export interface LiveEventRequest {
  kind: string;
  selector: KindSelector;
  resourceIndex: number;
  resource: Readonly<Record<string, unknown>>;
  /** The mapping's integration-specific top-level keys (Ocean's port-app-config root fields, such as GitHub's `repositoryType`). */
  mappingSettings?: Readonly<Record<string, unknown>>;
  /** Fires on the per-event timeout and on shutdown. */
  signal: AbortSignal;
}

/** Retry policy for one processor. Delay of attempt n is `min(initialDelayMs * factor^n, maxDelayMs)`. */
export interface LiveEventRetryPolicy {
  /** @default 3 */
  attempts?: number;
  /** @default 1000 */
  initialDelayMs?: number;
  /** @default 30000 */
  maxDelayMs?: number;
  /** @default 2 */
  factor?: number;
}

/**
 * Handles real-time webhook deliveries for one path of an integration. The host serves it at
 * `POST /integrations/<identifier>/webhook<path>`. On receipt it calls `handles`, then
 * `authenticate` (false: 401) and `validate` (false: 400), takes the `resourceKey`, and answers
 * 202 once the event is safely stored. Later, in `resourceKey` order, it calls `kinds` and then
 * `handle` for every resource block of the mapping whose kind is among them, and writes the
 * results to Port. Several processors may share a path: each that `handles` the event runs.
 *
 * @example
 * defineLiveEventProcessor({
 *   name: 'issues',
 *   path: '/jira',
 *   kinds: () => ['issue'],
 *   authenticate: (event) => verifySharedSecret(event, 'x-secret', config.secret),
 *   resourceKey: (event) => String((event.body as any).issue.key),
 *   handle: async (event) => ({ updated: [(event.body as any).issue], deleted: [] }),
 * });
 */
export interface LiveEventProcessor {
  /** A name unique within the integration, used in logs, metrics and the dead-letter list. */
  name: string;
  /** Path under the integration's webhook prefix; `:param` segments are allowed. */
  path: string;
  /** Whether this processor handles the event at all (Ocean's `should_process_event`). @default every event */
  handles?(event: LiveEvent): boolean | Promise<boolean>;
  /** The kinds the event concerns (Ocean's `get_matching_kinds`). */
  kinds(event: LiveEvent): readonly string[] | Promise<readonly string[]>;
  /**
   * Checks the delivery's credentials; `false` rejects it with 401 before it is queued.
   * Use the SDK's signature helpers, which compare in constant time. @default accept
   */
  authenticate?(event: LiveEvent): boolean | Promise<boolean>;
  /** Checks the body's shape; `false` rejects it with 400 before it is queued. @default accept */
  validate?(event: LiveEvent): boolean | Promise<boolean>;
  /**
   * The key events are ordered by: events with the same key are handled one at a time in
   * arrival order; different keys run in parallel. Usually the resource's id.
   */
  resourceKey(event: LiveEvent): string;
  /** Turns the event into raw records; may fetch fresh data from the third party. */
  handle(event: LiveEvent, request: LiveEventRequest): Promise<LiveEventResult>;
  /** Whether a failure of `handle` is worth retrying. @default errors that {@link isRetryableError} recognises */
  isRetryable?(error: unknown): boolean;
  /**
   * Retries of a failed attempt. `attempts` counts every try, the first included; the wait
   * before try n+1 is `min(initialDelayMs * factor^n, maxDelayMs)` (2 s, 4 s with the defaults).
   */
  retry?: LiveEventRetryPolicy;
  /**
   * Header carrying the sender's delivery id (GitHub's `x-github-delivery`). A delivery id seen
   * again within the host's dedupe window is answered without being processed twice.
   * @default the host's list: `x-github-delivery`, `x-delivery-id`
   */
  deliveryIdHeader?: string;
  /**
   * Time limit of one attempt (all `handle` calls for the event, then the writes to Port), in
   * milliseconds. A timed-out attempt is retried like a {@link RetryableError}. @default 90000
   */
  timeoutMs?: number;
}

/**
 * Throw this from `handle` for a transient failure (a 5xx from the third party, a timeout): the
 * host retries the event with backoff instead of dead-lettering it at once.
 *
 * Instances are branded with `Symbol.for('marina.sdk.retryable-error')` (on the prototype, so
 * subclasses are too). The host recognises them with {@link isRetryableError}, whichever copy of
 * the SDK the plugin imported, and `error instanceof RetryableError` is true across copies as well.
 */
export class RetryableError extends Error {
  override name = 'RetryableError';

  /** Brand check for `RetryableError` itself; ordinary prototype check for subclasses. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === RetryableError ? isRetryableError(value) : Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
brand(RetryableError.prototype, SDK_BRANDS.retryableError);

/** Whether `error` is a {@link RetryableError} (or subclass) from any copy of the SDK. */
export function isRetryableError(error: unknown): error is RetryableError {
  return hasBrand(error, SDK_BRANDS.retryableError);
}

/**
 * Declares a live-event processor. Checks the declaration and returns a copy (same prototype,
 * same properties) branded with `Symbol.for('marina.sdk.live-event-processor')`, which
 * {@link isLiveEventProcessor} recognises across SDK copies. The host checks processors that
 * lack the brand (plain objects) the same way before serving them.
 * @throws TypeError when a required field is missing or of the wrong type.
 */
export function defineLiveEventProcessor(processor: LiveEventProcessor): LiveEventProcessor {
  if (typeof processor !== 'object' || processor === null) {
    throw new TypeError(`Expected the live-event processor to be an object, got \`${String(processor)}\` (${typeof processor})`);
  }
  expectString(processor.name, 'name');
  expectString(processor.path, 'path');
  if (!processor.path.startsWith('/')) {
    throw new TypeError(`Expected \`path\` to start with "/", got "${processor.path}"`);
  }
  for (const key of ['kinds', 'resourceKey', 'handle'] as const) {
    if (typeof processor[key] !== 'function') {
      throw new TypeError(`Expected \`${key}\` to be a function, got \`${String(processor[key])}\` (${typeof processor[key]})`);
    }
  }
  for (const key of ['handles', 'authenticate', 'validate', 'isRetryable'] as const) {
    if (processor[key] !== undefined && typeof processor[key] !== 'function') {
      throw new TypeError(`Expected \`${key}\` to be a function when given, got \`${String(processor[key])}\` (${typeof processor[key]})`);
    }
  }
  if (isLiveEventProcessor(processor)) return processor;
  // A copy, so branding never touches (or fails on) a frozen or shared object of the author's.
  const copy = Object.create(Object.getPrototypeOf(processor) as object | null, Object.getOwnPropertyDescriptors(processor)) as LiveEventProcessor;
  return brand(copy, SDK_BRANDS.liveEventProcessor);
}

/** Whether `value` is a `defineLiveEventProcessor` result from any copy of the SDK. */
export function isLiveEventProcessor(value: unknown): value is LiveEventProcessor {
  return hasBrand(value, SDK_BRANDS.liveEventProcessor);
}

function expectString(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${field}\` to be a non-empty string, got \`${String(value)}\` (${typeof value})`);
  }
}
