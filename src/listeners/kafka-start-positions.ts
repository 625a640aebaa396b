/**
 * Where a brand-new consumer group starts reading.
 *
 * Kafka's default for a group with no committed offset is "latest", resolved lazily at the
 * first fetch and never committed until something is consumed. That loses messages twice
 * over: one published while the consumer starts is skipped, and one that arrives but is not
 * accepted before a restart is skipped again (the restarted consumer resolves "latest" anew).
 *
 * Instead the listener subscribes from the beginning and, before joining, records the end of
 * each partition that has no committed offset: its "history floor". As soon as it has joined,
 * it commits the floors, so the position survives a restart. Messages below a floor predate
 * this integration's first start and are read and ignored (they are only ever seen if the
 * floor commit failed); everything at or above it is handled.
 */
import type { Admin } from 'kafkajs';

export const floorKey = (topic: string, partition: number): string => `${topic}/${partition}`;

export async function readHistoryFloors(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, bigint>> {
  const floors = new Map<string, bigint>();
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const { topic, partitions } of committed) {
    const uncommitted = new Set(partitions.filter((p) => BigInt(p.offset) < 0n).map((p) => p.partition));
    if (uncommitted.size === 0) continue;
    for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
      if (uncommitted.has(partition)) floors.set(floorKey(topic, partition), BigInt(high));
    }
  }
  return floors;
}
