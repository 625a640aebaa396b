/**
 * One function per API: decode the request body (after the header), act on the store or the
 * group coordinator, encode the response body. Layouts follow the Kafka protocol guide for the
 * exact versions listed in protocol.ts; each handler names its version in a comment.
 */
import { Reader, Writer } from './codec.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { ApiKeys, ErrorCodes, SupportedVersions } from './protocol.js';
import { decodeRecordBatches, encodeRecordBatch, UnsupportedCompressionError } from './record-batch.js';
import type { TopicStore } from './topic-log.js';

export interface BrokerContext {
  nodeId: number;
  host: string;
  port: number;
  store: TopicStore;
  groups: GroupCoordinator;
  /** True once the broker is closing, so long polls end early. */
  closing: () => boolean;
}

export type Handler = (
  request: Reader,
  version: number,
  context: BrokerContext,
  clientId: string,
) => Promise<Writer> | Writer;

/** ApiVersions v0-v2: error, [key, min, max], throttle (v1+). */
export function apiVersionsResponse(version: number, errorCode: number = ErrorCodes.NONE): Writer {
  const writer = new Writer()
    .int16(errorCode)
    .array([...SupportedVersions], (w, [key, [min, max]]) => w.int16(key).int16(min).int16(max));
  if (version >= 1) writer.int32(0);
  return writer;
}

export const handlers: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [ApiKeys.Metadata, metadataV1],
  [ApiKeys.FindCoordinator, findCoordinatorV0],
  [ApiKeys.Produce, produceV3],
  [ApiKeys.Fetch, fetchV4],
  [ApiKeys.ListOffsets, listOffsetsV1],
  [ApiKeys.JoinGroup, joinGroupV1],
  [ApiKeys.SyncGroup, syncGroupV0],
  [ApiKeys.Heartbeat, heartbeatV0],
  [ApiKeys.LeaveGroup, leaveGroupV0],
  [ApiKeys.OffsetCommit, offsetCommitV2],
  [ApiKeys.OffsetFetch, offsetFetchV1],
]);

/** Metadata v1: [topic] (null = all) -> brokers, controller, topics with partition leaders. */
function metadataV1(request: Reader, _version: number, { store, nodeId, host, port }: BrokerContext): Writer {
  const requested = request.nullableArray((r) => r.string());
  // Like a broker with auto.create.topics.enable=true: asking for a topic creates it.
  const names = requested ?? [...store.topics.keys()];
  for (const name of names) if (name !== '') store.createTopic(name);
  return new Writer()
    .array([nodeId], (w, id) => w.int32(id).string(host).int32(port).string(null))
    .int32(nodeId)
    .array(names, (w, name) => {
      const partitions = store.get(name)?.partitions ?? [];
      w.int16(partitions.length > 0 ? ErrorCodes.NONE : ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
        .string(name)
        .bool(false)
        .array(
          partitions.map((_, index) => index),
          (pw, index) =>
            pw
              .int16(ErrorCodes.NONE)
              .int32(index)
              .int32(nodeId)
              .array([nodeId], (rw, id) => rw.int32(id)) // replicas
              .array([nodeId], (iw, id) => iw.int32(id)), // in-sync replicas
        );
    });
}

/** FindCoordinator v0: group id -> this broker (there is only one). */
function findCoordinatorV0(request: Reader, _version: number, { nodeId, host, port }: BrokerContext): Writer {
  request.string();
  return new Writer().int16(ErrorCodes.NONE).int32(nodeId).string(host).int32(port);
}

/** Produce v3: transactional id, acks, timeout, [topic [partition records]] -> [topic [partition error base_offset log_append_time]] throttle. */
function produceV3(request: Reader, _version: number, { store }: BrokerContext): Writer {
  request.nullableString();
  request.int16();
  request.int32();
  const topics = request.array((r) => ({
    name: r.string(),
    partitions: r.array((p) => ({ index: p.int32(), records: p.nullableBytes() })),
  }));
  const results = topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map(({ index, records }) => {
      if (!store.get(topic.name)?.partitions[index]) {
        return { index, errorCode: ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
      }
      try {
        const incoming = records ? decodeRecordBatches(records) : [];
        return { index, errorCode: ErrorCodes.NONE, baseOffset: store.append(topic.name, index, incoming) };
      } catch (error) {
        const errorCode =
          error instanceof UnsupportedCompressionError ? ErrorCodes.UNSUPPORTED_COMPRESSION_TYPE : ErrorCodes.CORRUPT_MESSAGE;
        return { index, errorCode, baseOffset: -1n };
      }
    }),
  }));
  return new Writer()
    .array(results, (w, topic) =>
      w.string(topic.name).array(topic.partitions, (pw, p) => pw.int32(p.index).int16(p.errorCode).int64(p.baseOffset).int64(-1)),
    )
    .int32(0);
}

/**
 * Fetch v4: replica, max wait, min bytes, max bytes, isolation, [topic [partition offset max_bytes]].
 * Answers at once when there is data, else waits for an append up to max wait (long poll).
 */
async function fetchV4(request: Reader, _version: number, context: BrokerContext): Promise<Writer> {
  request.int32();
  const maxWaitMs = request.int32();
  const minBytes = request.int32();
  request.int32();
  request.int8();
  const topics = request.array((r) => ({
    name: r.string(),
    partitions: r.array((p) => ({ index: p.int32(), offset: p.int64(), maxBytes: p.int32() })),
  }));

  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const { writer, bytes } = encodeFetch(topics, context);
    const remaining = deadline - Date.now();
    if (bytes >= Math.max(minBytes, 1) || remaining <= 0 || context.closing()) return writer;
    await context.store.waitForAppend(remaining);
  }
}

function encodeFetch(
  topics: { name: string; partitions: { index: number; offset: bigint; maxBytes: number }[] }[],
  { store }: BrokerContext,
): { writer: Writer; bytes: number } {
  let bytes = 0;
  const writer = new Writer().int32(0).array(topics, (w, topic) => {
    w.string(topic.name).array(topic.partitions, (pw, { index, offset, maxBytes }) => {
      const log = store.get(topic.name)?.partitions[index];
      if (!log) {
        pw.int32(index).int16(ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1).array([], () => {}).bytes(null);
        return;
      }
      const start = log.records[0]?.offset ?? log.nextOffset;
      if (offset < start || offset > log.nextOffset) {
        pw.int32(index).int16(ErrorCodes.OFFSET_OUT_OF_RANGE).int64(log.nextOffset).int64(log.nextOffset).array([], () => {}).bytes(null);
        return;
      }
      // Records are stored densely from offset 0, so the index is the offset minus the first.
      const from = Number(offset - start);
      const selected = [];
      let size = 0;
      for (let i = from; i < log.records.length; i++) {
        const record = log.records[i]!;
        const estimate = 70 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
        if (selected.length > 0 && size + estimate > maxBytes) break;
        selected.push(record);
        size += estimate;
      }
      const batch = encodeRecordBatch(selected);
      bytes += batch.length;
      pw.int32(index)
        .int16(ErrorCodes.NONE)
        .int64(log.nextOffset)
        .int64(log.nextOffset)
        .array([], () => {})
        .bytes(batch);
    });
  });
  return { writer, bytes };
}

/** ListOffsets v1: replica, [topic [partition timestamp]] -> [topic [partition error timestamp offset]]. */
function listOffsetsV1(request: Reader, _version: number, { store }: BrokerContext): Writer {
  request.int32();
  const topics = request.array((r) => ({
    name: r.string(),
    partitions: r.array((p) => ({ index: p.int32(), timestamp: p.int64() })),
  }));
  return new Writer().array(topics, (w, topic) =>
    w.string(topic.name).array(topic.partitions, (pw, { index, timestamp }) => {
      const log = store.get(topic.name)?.partitions[index];
      if (!log) {
        pw.int32(index).int16(ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1);
        return;
      }
      const earliest = log.records[0]?.offset ?? log.nextOffset;
      let offset: bigint;
      if (timestamp === -1n) offset = log.nextOffset;
      else if (timestamp === -2n) offset = earliest;
      else offset = log.records.find((record) => record.timestamp >= timestamp)?.offset ?? log.nextOffset;
      pw.int32(index).int16(ErrorCodes.NONE).int64(-1).int64(offset);
    }),
  );
}

/** JoinGroup v1: group, session timeout, rebalance timeout, member, protocol type, [name metadata]. */
async function joinGroupV1(request: Reader, _version: number, { groups }: BrokerContext, clientId: string): Promise<Writer> {
  const groupId = request.string();
  const sessionTimeoutMs = request.int32();
  const rebalanceTimeoutMs = request.int32();
  const memberId = request.string();
  const protocolType = request.string();
  const protocols = request.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
  const result = await groups.join(groupId, {
    memberId,
    clientId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    protocolType,
    protocols,
  });
  return new Writer()
    .int16(result.errorCode)
    .int32(result.generationId)
    .string(result.protocol)
    .string(result.leaderId)
    .string(result.memberId)
    .array(result.members, (w, m) => w.string(m.memberId).bytes(m.metadata));
}

/** SyncGroup v0: group, generation, member, [member assignment] -> error, assignment. */
async function syncGroupV0(request: Reader, _version: number, { groups }: BrokerContext): Promise<Writer> {
  const groupId = request.string();
  const generationId = request.int32();
  const memberId = request.string();
  const assignments = request.array((r) => ({ memberId: r.string(), assignment: Buffer.from(r.bytes()) }));
  const result = await groups.sync(groupId, { generationId, memberId, assignments });
  return new Writer().int16(result.errorCode).bytes(result.assignment);
}

/** Heartbeat v0: group, generation, member -> error. */
function heartbeatV0(request: Reader, _version: number, { groups }: BrokerContext): Writer {
  const groupId = request.string();
  const generationId = request.int32();
  const memberId = request.string();
  return new Writer().int16(groups.heartbeat(groupId, { generationId, memberId }));
}

/** LeaveGroup v0: group, member -> error. */
function leaveGroupV0(request: Reader, _version: number, { groups }: BrokerContext): Writer {
  const groupId = request.string();
  const memberId = request.string();
  return new Writer().int16(groups.leave(groupId, memberId));
}

/** OffsetCommit v2: group, generation, member, retention, [topic [partition offset metadata]] -> [topic [partition error]]. */
function offsetCommitV2(request: Reader, _version: number, { groups }: BrokerContext): Writer {
  const groupId = request.string();
  const generationId = request.int32();
  const memberId = request.string();
  request.int64();
  const topics = request.array((r) => ({
    name: r.string(),
    partitions: r.array((p) => ({ index: p.int32(), offset: p.int64(), metadata: p.nullableString() })),
  }));
  const errorCode = groups.checkCommit(groupId, { generationId, memberId });
  if (errorCode === ErrorCodes.NONE) {
    for (const topic of topics) {
      for (const p of topic.partitions) groups.commitOffset(groupId, topic.name, p.index, p.offset, p.metadata);
    }
  }
  return new Writer().array(topics, (w, topic) =>
    w.string(topic.name).array(topic.partitions, (pw, p) => pw.int32(p.index).int16(errorCode)),
  );
}

/** OffsetFetch v1: group, [topic [partition]] -> [topic [partition offset metadata error]]; -1 = none committed. */
function offsetFetchV1(request: Reader, _version: number, { groups }: BrokerContext): Writer {
  const groupId = request.string();
  const topics = request.array((r) => ({ name: r.string(), partitions: r.array((p) => p.int32()) }));
  return new Writer().array(topics, (w, topic) =>
    w.string(topic.name).array(topic.partitions, (pw, index) => {
      const committed = groups.committedOffset(groupId, topic.name, index);
      pw.int32(index)
        .int64(committed?.offset ?? -1n)
        .string(committed?.metadata ?? '')
        .int16(ErrorCodes.NONE);
    }),
  );
}
