/**
 * The KAFKA event listener: Port publishes integration changes and resync requests to
 * org-scoped topics; this consumer turns the messages that concern one integration into resync
 * requests (ocean-behavior.md §6.2).
 *
 * Where it departs from Ocean, on purpose (§17):
 * - Offsets are committed only after `onResyncRequested` resolves, i.e. once the host has
 *   accepted the resync. A crash before that redelivers the message instead of losing it.
 *   A rejected request is not committed; the partition pauses for `retryDelayMs` and the
 *   message is retried (and a restarted consumer sees it too).
 * - Messages are handled per fetched batch: several triggering messages in one batch become one
 *   request, so duplicates cannot pile up resyncs. Whether a request aborts a running resync is
 *   the host's decision, not this listener's.
 * - While waiting for acceptance the consumer keeps heartbeating, so a slow acceptance never
 *   costs it the partition.
 * - A new consumer group starts at the end of each partition as Ocean's does, but pins that
 *   position before joining so nothing published during start-up or left unaccepted before a
 *   restart is skipped (kafka-start-positions.ts).
 * - An empty first assignment (another replica owns the partitions) is logged, not a shutdown:
 *   the consumer group is how replicas share the work.
 * Partitions are assigned with kafkajs's round robin (it has no cooperative-sticky assigner);
 * Port's topics are consumed by one member per integration, so stickiness buys nothing here.
 */
import type { ConnectionOptions } from 'node:tls';
import kafkajs from 'kafkajs';
import type { Consumer, EachBatchPayload, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { MarinaError } from '../errors.js';
import { createKafkaLogCreator, kafkajsLogLevel, scrubSecrets } from './kafka-log.js';
import { classifyKafkaMessage, kafkaGroupId, kafkaTopicsFor } from './kafka-message-filter.js';
import { floorKey, readHistoryFloors } from './kafka-start-positions.js';

const { Kafka } = kafkajs;

export interface KafkaResyncReason {
  topic: string;
  partition: number;
  offset: string;
}

export interface KafkaListenerOptions {
  brokers: string[];
  clientId?: string;
  ssl?: boolean | ConnectionOptions;
  sasl?: { mechanism: 'scram-sha-512' | 'plain'; username: string; password: string };
  organizationId: string;
  integration: { identifier: string; type: string };
  /** Default: Ocean's `{orgId}.change.log` (see `kafkaTopicsFor` for the feature-flagged topic). */
  topics?: string[];
  /** Resolves once the resync is ACCEPTED (not finished); rejects if it was not accepted. */
  onResyncRequested(reason: KafkaResyncReason): Promise<void>;
  logger: Logger;
  /** How long a partition waits before retrying a rejected request. Default 10 s. */
  retryDelayMs?: number;
  /** Consumer timings; the defaults are kafkajs's (Kafka's) except `maxWaitTimeMs`, Ocean's 1 s poll. */
  consumer?: {
    sessionTimeoutMs?: number;
    rebalanceTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    maxWaitTimeMs?: number;
  };
  /** Connection timeout and retries of the kafkajs client. Defaults: 5 s, 5 retries from 300 ms. */
  connection?: { timeoutMs?: number; retries?: number; initialRetryTimeMs?: number };
}

export interface KafkaListener {
  /** Connects, joins the consumer group and resolves once consuming (positions fixed). */
  start(): Promise<void>;
  /** Leaves the group after the batch in hand is handled; idempotent. */
  stop(): Promise<void>;
}

export function createKafkaListener(options: KafkaListenerOptions): KafkaListener {
  const { integration, organizationId } = options;
  const groupId = kafkaGroupId(organizationId, integration);
  const topics = options.topics ?? kafkaTopicsFor(organizationId);
  const secrets = [options.sasl?.password ?? '', typeof options.ssl === 'object' ? String(options.ssl.passphrase ?? '') : ''];
  const logger = options.logger.child({ listener: 'KAFKA', groupId });
  const timings = {
    sessionTimeout: options.consumer?.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: options.consumer?.rebalanceTimeoutMs ?? 60_000,
    heartbeatInterval: options.consumer?.heartbeatIntervalMs ?? 3_000,
    maxWaitTimeInMs: options.consumer?.maxWaitTimeMs ?? 1_000,
  };
  const retryDelayMs = options.retryDelayMs ?? 10_000;
  const retryTimers = new Set<NodeJS.Timeout>();
  let consumer: Consumer | undefined;
  /** Per partition without a committed offset at start: offsets below this predate us (see kafka-start-positions.ts). */
  let floors = new Map<string, bigint>();
  /** Batches wait for the floors to be committed, so a batch's commit can never be overtaken by one. */
  let floorsCommitted: Promise<void> = Promise.resolve();

  async function withHeartbeats<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        logger.debug({ err: describe(error) }, 'heartbeat while waiting for resync acceptance failed');
      });
    }, timings.heartbeatInterval);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, pause } = payload;
    const { topic, partition } = batch;
    const last = batch.messages.at(-1);
    if (!last) return;
    await floorsCommitted;

    const floor = floors.get(floorKey(topic, partition)) ?? 0n;
    let trigger: string | undefined;
    for (const message of batch.messages) {
      if (BigInt(message.offset) < floor) continue;
      const verdict = classifyKafkaMessage(topic, message.value, integration);
      if (verdict.trigger) trigger = message.offset;
      else logger.debug({ topic, partition, offset: message.offset, reason: verdict.reason }, 'message ignored');
    }
    if (!isRunning() || isStale()) return;

    if (trigger !== undefined) {
      const reason = { topic, partition, offset: trigger };
      logger.info(reason, 'resync requested by Port through Kafka');
      try {
        await withHeartbeats(heartbeat, () => options.onResyncRequested(reason));
      } catch (error) {
        // Not accepted: leave the offset where it is and come back to the message later.
        logger.error({ ...reason, err: describe(error), retryInMs: retryDelayMs }, 'resync request was not accepted; will retry');
        const resume = pause();
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          resume();
        }, retryDelayMs);
        retryTimers.add(timer);
        return;
      }
    }

    resolveOffset(last.offset);
    const next = (BigInt(last.offset) + 1n).toString();
    try {
      await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
    } catch (error) {
      // Typically a rebalance: the next owner of the partition sees the message again and the
      // host receives one more (harmless) request.
      logger.warn({ topic, partition, offset: next, err: describe(error) }, 'offset commit failed');
    }
  }

  /** Makes the start positions of a new group durable (see kafka-start-positions.ts). */
  async function commitFloors(current: Consumer): Promise<void> {
    if (floors.size === 0) return;
    const offsets = [...floors].map(([key, offset]) => {
      const at = key.lastIndexOf('/');
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset: offset.toString() };
    });
    try {
      await current.commitOffsets(offsets);
      logger.info({ offsets }, 'new consumer group: start positions committed');
    } catch (error) {
      logger.warn({ offsets, err: describe(error) }, 'could not commit the start positions of a new consumer group');
    }
  }

  function describe(error: unknown): string {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return scrubSecrets(text, secrets);
  }

  let starting: Promise<void> | undefined;

  /** Concurrent calls share one start; a start after `stop()` (or a failed start) starts afresh. */
  function start(): Promise<void> {
    starting ??= startConsumer().catch((error: unknown) => {
      starting = undefined;
      throw error;
    });
    return starting;
  }

  async function startConsumer(): Promise<void> {
    const kafka = new Kafka({
      clientId: options.clientId ?? `marina-${integration.identifier}`,
      brokers: options.brokers,
      ssl: options.ssl,
      // A fresh object: kafkajs caches its authenticator (password included) on the sasl object
      // it is given, which would leak into any other client built from the caller's object.
      sasl: options.sasl ? ({ ...options.sasl } as SASLOptions) : undefined,
      connectionTimeout: options.connection?.timeoutMs ?? 5_000,
      retry: { retries: options.connection?.retries ?? 5, initialRetryTime: options.connection?.initialRetryTimeMs ?? 300 },
      logLevel: kafkajsLogLevel(logger),
      logCreator: createKafkaLogCreator(logger, secrets),
    });
    const created = kafka.consumer({ groupId, ...timings, allowAutoTopicCreation: false });
    consumer = created;
    const admin = kafka.admin();

    let firstJoin = true;
    let crashed: ((error: unknown) => void) | undefined;
    const consuming = new Promise<void>((resolve, reject) => {
      crashed = reject;
      const offFetch = created.on(created.events.FETCH, () => {
        offFetch();
        resolve();
      });
      created.on(created.events.GROUP_JOIN, ({ payload }) => {
        const assigned = Object.values(payload.memberAssignment).reduce((n, parts) => n + parts.length, 0);
        if (assigned === 0 && firstJoin) {
          logger.warn({ topics }, 'no partitions assigned: another consumer in this group owns them (another replica?)');
          resolve();
        } else {
          logger.info({ assignment: payload.memberAssignment }, 'joined consumer group');
        }
        firstJoin = false;
      });
    });
    // Settled only once: a crash after the first fetch is just logged (kafkajs restarts the
    // consumer itself when the error is retriable).
    consuming.catch(() => undefined);
    created.on(created.events.CRASH, ({ payload }) => {
      logger.error({ err: describe(payload.error), restart: payload.restart }, 'Kafka consumer crashed');
      if (!payload.restart) crashed?.(payload.error);
    });

    try {
      await admin.connect();
      floors = await readHistoryFloors(admin, groupId, topics).finally(() => admin.disconnect());
      await created.connect();
      await created.subscribe({ topics, fromBeginning: true });
      let floorsDone: () => void = () => {};
      floorsCommitted = new Promise((resolve) => (floorsDone = resolve));
      await created.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
      await commitFloors(created).finally(floorsDone);
      await consuming;
    } catch (error) {
      consumer = undefined;
      await Promise.all([created.disconnect(), admin.disconnect()]).catch(() => undefined);
      const auth = error instanceof Error && error.name === 'KafkaJSSASLAuthenticationError';
      throw new MarinaError(
        auth ? 'KAFKA_AUTH_FAILED' : 'KAFKA_CONNECT_FAILED',
        `Kafka listener of integration "${integration.identifier}" could not start: ${describe(error)}`,
        {
          retryable: !auth,
          details: { integration: integration.identifier, brokers: options.brokers, groupId, topics },
        },
      );
    }
    logger.info({ topics }, 'Kafka listener consuming');
  }

  async function stop(): Promise<void> {
    for (const timer of retryTimers) clearTimeout(timer);
    retryTimers.clear();
    const current = consumer;
    consumer = undefined;
    starting = undefined;
    if (current) await current.disconnect();
  }

  return { start, stop };
}
