/**
 * API keys, the versions this broker speaks, and the error codes it answers with.
 *
 * Only non-flexible versions are advertised: kafkajs 2.x picks min(its best, our max) for each
 * API (see kafkajs/src/protocol/requests/index.js `lookup`), so it never sends tagged fields.
 * Fetch v4 and Produce v3 are the first versions carrying RecordBatch v2.
 */

export const ApiKeys = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  SaslHandshake: 17,
  ApiVersions: 18,
  SaslAuthenticate: 36,
} as const;

/** [min, max] version per API key. */
export const SupportedVersions: ReadonlyMap<number, readonly [number, number]> = new Map([
  [ApiKeys.Produce, [3, 3]],
  [ApiKeys.Fetch, [4, 4]],
  [ApiKeys.ListOffsets, [1, 1]],
  [ApiKeys.Metadata, [1, 1]],
  [ApiKeys.OffsetCommit, [2, 2]],
  [ApiKeys.OffsetFetch, [1, 1]],
  [ApiKeys.FindCoordinator, [0, 0]],
  [ApiKeys.JoinGroup, [1, 1]],
  [ApiKeys.Heartbeat, [0, 0]],
  [ApiKeys.LeaveGroup, [0, 0]],
  [ApiKeys.SyncGroup, [0, 0]],
  [ApiKeys.SaslHandshake, [1, 1]],
  [ApiKeys.ApiVersions, [0, 2]],
  [ApiKeys.SaslAuthenticate, [0, 0]],
] as const);

export const ErrorCodes = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  COORDINATOR_NOT_AVAILABLE: 15,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  SASL_AUTHENTICATION_FAILED: 58,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
} as const;
