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
  /** Whether a failure of `handle` is worth retrying. @default errors that are {@link RetryableError} */
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

/** Throw this from `handle` for a transient failure (a 5xx from the third party, a timeout). */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

/**
 * Declares a live-event processor. Checks the declaration and returns it unchanged, typed.
 * @throws TypeError when a required field is missing or of the wrong type.
 */
export function defineLiveEventProcessor(processor: LiveEventProcessor): LiveEventProcessor {
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
  return processor;
}

function expectString(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${field}\` to be a non-empty string, got \`${String(value)}\` (${typeof value})`);
  }
}
