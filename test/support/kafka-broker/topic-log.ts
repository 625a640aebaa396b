/**
 * The broker's storage: topics, partitions and their records, all in memory. Fetches that find
 * nothing new wait on `waitForAppend` instead of spinning, like a real broker's purgatory.
 */
import type { IncomingRecord, StoredRecord } from './record-batch.js';

export interface PartitionLog {
  records: StoredRecord[];
  /** Offset the next appended record gets (the high watermark: everything is "replicated"). */
  nextOffset: bigint;
}

export interface TopicLog {
  name: string;
  partitions: PartitionLog[];
}

export function createTopicStore(options: { defaultPartitions: number }) {
  const topics = new Map<string, TopicLog>();
  const waiters = new Set<() => void>();
  let roundRobin = 0;

  function createTopic(name: string, partitions = options.defaultPartitions): TopicLog {
    const existing = topics.get(name);
    if (existing) return existing;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new RangeError(`topic "${name}": partitions must be a positive integer, got ${partitions}`);
    }
    const topic: TopicLog = {
      name,
      partitions: Array.from({ length: partitions }, () => ({ records: [], nextOffset: 0n })),
    };
    topics.set(name, topic);
    return topic;
  }

  function append(topicName: string, partition: number, incoming: readonly IncomingRecord[]): bigint {
    const log = topics.get(topicName)?.partitions[partition];
    if (!log) throw new RangeError(`unknown topic-partition ${topicName}/${partition}`);
    const baseOffset = log.nextOffset;
    for (const record of incoming) {
      log.records.push({ ...record, offset: log.nextOffset });
      log.nextOffset += 1n;
    }
    if (incoming.length > 0) {
      for (const wake of [...waiters]) wake();
    }
    return baseOffset;
  }

  /** Picks a partition the way kafkajs's default partitioner would for keyless records: round robin. */
  function choosePartition(topic: TopicLog, key: Buffer | null): number {
    if (key === null) return roundRobin++ % topic.partitions.length;
    let hash = 0;
    for (const byte of key) hash = (hash * 31 + byte) >>> 0;
    return hash % topic.partitions.length;
  }

  /** Resolves after the next append anywhere, or after `ms`, whichever is first. */
  function waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
    });
  }

  /** Wakes every waiting fetch (used on close). */
  function wakeAll(): void {
    for (const wake of [...waiters]) wake();
  }

  return {
    topics,
    get: (name: string) => topics.get(name),
    createTopic,
    append,
    choosePartition,
    waitForAppend,
    wakeAll,
  };
}

export type TopicStore = ReturnType<typeof createTopicStore>;
