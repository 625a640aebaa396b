import path from 'node:path';
import { openJournal, readJournal, type EventJournal } from './event-journal.js';

/** An accepted webhook delivery, as kept in the data dir until it is handled. */
export interface StoredEvent {
  id: string;
  integration: string;
  /** The request path under the integration's webhook prefix, such as `/projects/42`. */
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  /** Request headers without credentials (authentication already ran before queueing). */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  receivedAt: Date;
  /** Names of the processors that accepted the event, in registration order. */
  processors: string[];
  resourceKey: string;
  deliveryId?: string;
}

/** An event that failed every attempt, kept until it is replayed or discarded. */
export interface DeadLetter {
  event: StoredEvent;
  reason: string;
  attempts: number;
  at: Date;
}

export interface LiveEventStoreOptions {
  /** The data directory; the journal is `<dataDir>/live-events/journal.log`. */
  dataDir: string;
  /** A delivery id seen this recently is a redelivery. @default 600000 (10 minutes) */
  dedupeWindowMs?: number;
  /** Journal size that triggers compaction. @default 8 MiB */
  compactAtBytes?: number;
  /**
   * Most dead letters kept per integration; past it the oldest is dropped (and reported to
   * `onDeadLetterDropped`), so a processor that fails every event cannot exhaust memory.
   * @default 10000
   */
  maxDeadLetters?: number;
  onDeadLetterDropped?: (letter: DeadLetter) => void;
  /** Told about damaged journal lines found on open (they are skipped, the rest is kept). */
  onCorruption?: (problem: { file: string; line: number; reason: string }) => void;
  now?: () => number;
}

/**
 * The durable side of live events for every integration of the process: accepted events stay
 * in the journal until they are handled or dead-lettered, so a restart (graceful or kill -9)
 * picks up where it stopped. Reading the journal back is idempotent, which lets compaction and
 * at-least-once redelivery repeat records safely.
 */
export interface LiveEventStore {
  /** Persists an accepted event; resolves once it is fsynced (the moment to answer 202). */
  accept(event: StoredEvent): Promise<void>;
  /** Marks an event handled. Not awaited: losing the mark only means handling it again. */
  complete(event: StoredEvent): void;
  deadLetter(event: StoredEvent, reason: string, attempts: number): Promise<DeadLetter>;
  /** Moves a dead letter back to pending and returns it, or `undefined` if there is none with that id. */
  replay(integration: string, id: string): Promise<StoredEvent | undefined>;
  /** Drops a dead letter for good. */
  discard(integration: string, id: string): Promise<boolean>;
  /** Events of `integration` not yet handled, in arrival order (recovered ones first). */
  pending(integration: string): StoredEvent[];
  deadLetters(integration: string): DeadLetter[];
  /** Identifiers with pending events or dead letters. */
  integrations(): string[];
  /**
   * Redelivery check: returns the id of the event that already carried `deliveryId` within the
   * window, or records `eventId` as its owner and returns `undefined`.
   */
  claimDelivery(integration: string, deliveryId: string, eventId: string): string | undefined;
  /** Forgets a claim whose event could not be persisted, so the sender's retry is accepted. */
  releaseDelivery(integration: string, deliveryId: string): void;
  close(): Promise<void>;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

function serialize(event: StoredEvent): Record<string, unknown> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(event.headers)) if (value !== undefined && !CREDENTIAL_HEADERS.has(name)) headers[name] = value;
  return {
    t: 'event',
    id: event.id,
    integration: event.integration,
    path: event.path,
    params: event.params,
    query: event.query,
    headers,
    body: event.rawBody.toString('base64'),
    receivedAt: event.receivedAt.toISOString(),
    processors: event.processors,
    resourceKey: event.resourceKey,
    ...(event.deliveryId === undefined ? {} : { deliveryId: event.deliveryId }),
  };
}

function deserialize(record: Record<string, unknown>): StoredEvent | undefined {
  const { id, integration, path: eventPath, body, receivedAt, processors, resourceKey } = record;
  if (typeof id !== 'string' || typeof integration !== 'string' || typeof eventPath !== 'string' || typeof body !== 'string') return undefined;
  if (typeof receivedAt !== 'string' || !Array.isArray(processors) || typeof resourceKey !== 'string') return undefined;
  return {
    id,
    integration,
    path: eventPath,
    params: (record.params ?? {}) as Record<string, string>,
    query: (record.query ?? {}) as Record<string, string | string[]>,
    headers: (record.headers ?? {}) as Record<string, string | string[]>,
    rawBody: Buffer.from(body, 'base64'),
    receivedAt: new Date(receivedAt),
    processors: processors.map(String),
    resourceKey,
    ...(typeof record.deliveryId === 'string' ? { deliveryId: record.deliveryId } : {}),
  };
}

const deliveryKey = (integration: string, deliveryId: string): string => `${integration}\u0000${deliveryId}`;

export async function openLiveEventStore(options: LiveEventStoreOptions): Promise<LiveEventStore> {
  const file = path.join(options.dataDir, 'live-events', 'journal.log');
  const windowMs = options.dedupeWindowMs ?? 600_000;
  const maxDeadLetters = options.maxDeadLetters ?? 10_000;
  const now = options.now ?? Date.now;
  const compactAt = options.compactAtBytes ?? 8 * 1024 * 1024;

  // Per integration, in arrival order (Map keeps insertion order).
  const pending = new Map<string, Map<string, StoredEvent>>();
  const dead = new Map<string, Map<string, DeadLetter>>();
  const seen = new Map<string, { at: number; eventId: string }>();
  const all = <T>(map: Map<string, Map<string, T>>, integration: string): Map<string, T> => {
    let inner = map.get(integration);
    if (inner === undefined) map.set(integration, (inner = new Map()));
    return inner;
  };

  // `seen` is kept in the order ids were seen (a re-seen id moves to the end), so expired
  // entries are always at the front: pruning stops at the first fresh one.
  const remember = (key: string, entry: { at: number; eventId: string }): void => {
    seen.delete(key);
    seen.set(key, entry);
  };
  const apply = (record: Record<string, unknown>): void => {
    const integration = typeof record.integration === 'string' ? record.integration : undefined;
    const id = typeof record.id === 'string' ? record.id : undefined;
    if (integration === undefined) return;
    switch (record.t) {
      case 'event': {
        const event = deserialize(record);
        if (event === undefined || dead.get(integration)?.has(event.id)) return;
        all(pending, integration).set(event.id, event);
        if (event.deliveryId !== undefined) remember(deliveryKey(integration, event.deliveryId), { at: event.receivedAt.getTime(), eventId: event.id });
        return;
      }
      case 'seen':
        if (typeof record.deliveryId === 'string' && typeof record.at === 'number' && typeof record.eventId === 'string') {
          remember(deliveryKey(integration, record.deliveryId), { at: record.at, eventId: record.eventId });
        }
        return;
      case 'done':
        if (id !== undefined) pending.get(integration)?.delete(id);
        return;
      case 'dead': {
        const event = id === undefined ? undefined : pending.get(integration)?.get(id);
        if (event === undefined) return;
        pending.get(integration)!.delete(event.id);
        all(dead, integration).set(event.id, {
          event,
          reason: String(record.reason ?? ''),
          attempts: Number(record.attempts ?? 0),
          at: new Date(String(record.at ?? new Date(0).toISOString())),
        });
        return;
      }
      case 'replay': {
        const letter = id === undefined ? undefined : dead.get(integration)?.get(id);
        if (letter === undefined) return;
        dead.get(integration)!.delete(letter.event.id);
        all(pending, integration).set(letter.event.id, letter.event);
        return;
      }
      case 'discard':
        if (id !== undefined) dead.get(integration)?.delete(id);
        return;
    }
  };

  const read = await readJournal(file);
  for (const problem of read.corrupt) options.onCorruption?.({ file, ...problem });
  for (const record of read.records) apply(record);
  const journal: EventJournal = await openJournal(file);

  const pruneSeen = (): void => {
    const cutoff = now() - windowMs;
    for (const [key, entry] of seen) {
      if (entry.at >= cutoff) break;
      seen.delete(key);
    }
  };

  /** The smallest journal that reads back to the current state. */
  const snapshot = (): object[] => {
    pruneSeen();
    const records: object[] = [];
    for (const [key, entry] of seen) {
      const [integration, deliveryId] = key.split('\u0000') as [string, string];
      records.push({ t: 'seen', integration, deliveryId, at: entry.at, eventId: entry.eventId });
    }
    for (const letters of dead.values()) {
      for (const letter of letters.values()) {
        records.push(serialize(letter.event));
        records.push({ t: 'dead', integration: letter.event.integration, id: letter.event.id, reason: letter.reason, attempts: letter.attempts, at: letter.at.toISOString() });
      }
    }
    for (const events of pending.values()) for (const event of events.values()) records.push(serialize(event));
    return records;
  };

  // Roughly what a compacted journal would hold; compaction runs once the file is both past the
  // threshold and mostly dead weight, so a large backlog does not compact on every event.
  const weight = (event: StoredEvent): number => Math.ceil(event.rawBody.length * 1.34) + 400;
  let liveBytes = 0;
  for (const events of pending.values()) for (const event of events.values()) liveBytes += weight(event);
  for (const letters of dead.values()) for (const letter of letters.values()) liveBytes += weight(letter.event);

  let compacting = false;
  let closing = false;
  const maybeCompact = (): void => {
    if (compacting || journal.size < compactAt || journal.size < 2 * liveBytes) return;
    compacting = true;
    journal
      .rewrite(snapshot())
      .catch(() => undefined)
      .finally(() => {
        compacting = false;
        // Events completed while it ran may have made the file worth compacting again.
        if (!closing) maybeCompact();
      });
  };

  return {
    async accept(event) {
      all(pending, event.integration).set(event.id, event);
      liveBytes += weight(event);
      try {
        await journal.append(serialize(event));
      } catch (error) {
        if (pending.get(event.integration)?.delete(event.id)) liveBytes -= weight(event);
        throw error;
      }
    },
    complete(event) {
      if (!pending.get(event.integration)?.delete(event.id)) return;
      liveBytes -= weight(event);
      journal.appendLater({ t: 'done', integration: event.integration, id: event.id });
      maybeCompact();
    },
    async deadLetter(event, reason, attempts) {
      pending.get(event.integration)?.delete(event.id);
      const letter: DeadLetter = { event, reason, attempts, at: new Date(now()) };
      const letters = all(dead, event.integration);
      letters.set(event.id, letter);
      const dropped: DeadLetter[] = [];
      while (letters.size > maxDeadLetters) {
        const oldest = letters.values().next().value as DeadLetter;
        letters.delete(oldest.event.id);
        liveBytes -= weight(oldest.event);
        dropped.push(oldest);
      }
      await journal.append({ t: 'dead', integration: event.integration, id: event.id, reason, attempts, at: letter.at.toISOString() });
      for (const oldest of dropped) {
        journal.appendLater({ t: 'discard', integration: oldest.event.integration, id: oldest.event.id });
        options.onDeadLetterDropped?.(oldest);
      }
      return letter;
    },
    async replay(integration, id) {
      const letter = dead.get(integration)?.get(id);
      if (letter === undefined) return undefined;
      dead.get(integration)!.delete(id);
      all(pending, integration).set(id, letter.event);
      await journal.append({ t: 'replay', integration, id });
      return letter.event;
    },
    async discard(integration, id) {
      const letter = dead.get(integration)?.get(id);
      if (letter === undefined) return false;
      dead.get(integration)!.delete(id);
      liveBytes -= weight(letter.event);
      await journal.append({ t: 'discard', integration, id });
      return true;
    },
    pending: (integration) => [...(pending.get(integration)?.values() ?? [])],
    deadLetters: (integration) => [...(dead.get(integration)?.values() ?? [])],
    integrations: () => [...new Set([...pending.keys(), ...dead.keys()])].filter((integration) => (pending.get(integration)?.size ?? 0) + (dead.get(integration)?.size ?? 0) > 0),
    claimDelivery(integration, deliveryId, eventId) {
      const key = deliveryKey(integration, deliveryId);
      const entry = seen.get(key);
      const at = now();
      if (entry !== undefined && entry.at >= at - windowMs) return entry.eventId;
      pruneSeen();
      remember(key, { at, eventId });
      return undefined;
    },
    releaseDelivery(integration, deliveryId) {
      seen.delete(deliveryKey(integration, deliveryId));
    },
    async close() {
      closing = true;
      await journal.close();
    },
  };
}
