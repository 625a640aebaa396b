import { createHash } from 'node:crypto';
import { MarinaError } from '../errors.js';
import { originPath, type HostConfig, type IntegrationConfig } from './host-config.js';
import { formatPath, formatProblems, type Problem } from './problems.js';

/**
 * Sharding: for operators who outgrow one process, N Marina processes share one config and
 * each runs only its shard's integrations (`marina start --shard i/N`, or `MARINA_SHARD=i/N`).
 * Nothing coordinates the processes: every one computes the same placement from the same
 * config, and the orchestrator (Kubernetes) routes each integration's webhooks to its shard.
 */

/** Which shard this process is: `index` from 0 to `count - 1`. */
export interface ShardSelection {
  index: number;
  count: number;
}

/** An integration that another shard runs. */
export interface ElsewhereIntegration {
  identifier: string;
  type: string;
  shard: number;
}

/** What a sharded host knows about the split (set on `HostConfig.shard` by {@link selectShard}). */
export interface ShardPlacement extends ShardSelection {
  /** The config's integrations that belong to other shards, in config order. */
  elsewhere: ElsewhereIntegration[];
}

const SHARD_PATTERN = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/**
 * Reads `i/N` (0-based index, count): `0/3`, `1/3`, `2/3`. Returns the problem as text when
 * the value is not of that form, so the caller can word it for a flag or a variable.
 */
export function parseShard(text: string): ShardSelection | string {
  const match = SHARD_PATTERN.exec(text);
  if (match === null) return `must be "index/count" such as 0/3 (index from 0), got ${JSON.stringify(text)}`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) return `the count must be at least 1, got ${JSON.stringify(text)}`;
  if (!Number.isSafeInteger(index) || index >= count) return `the index must be from 0 to ${count - 1}, got ${JSON.stringify(text)}`;
  return { index, count };
}

/**
 * The shard an identifier hashes to: the first four bytes of the SHA-256 of its UTF-8 bytes,
 * read as an unsigned big-endian integer, modulo the shard count. Stable across versions and
 * platforms (the Helm chart computes the same with sprig's `sha256sum`), and independent of
 * the order or number of other integrations, so adding one never moves another.
 */
export function shardOfIdentifier(identifier: string, count: number): number {
  return createHash('sha256').update(identifier, 'utf8').digest().readUInt32BE(0) % count;
}

/** An integration's shard: its explicit `shard:` when set, else the hash of its identifier. */
export function shardOf(integration: Pick<IntegrationConfig, 'identifier' | 'shard'>, count: number): number {
  return integration.shard ?? shardOfIdentifier(integration.identifier, count);
}

/**
 * The config this shard runs: only its own integrations, and `shard` saying where the others
 * are. An explicit `shard:` outside `0..count-1` is a config problem (every process would
 * skip that integration).
 * @throws MarinaError `CONFIG_INVALID` naming each such integration.
 */
export function selectShard(config: HostConfig, selection: ShardSelection): HostConfig {
  const problems: Problem[] = [];
  for (const integration of config.integrations) {
    if (integration.shard !== undefined && integration.shard >= selection.count) {
      const at = [...integration.origin.path, 'shard'];
      problems.push({
        file: integration.origin.file,
        path: originPath(integration.origin, formatPath(at)),
        message: `shard ${integration.shard} does not exist: this host runs ${selection.count} shard(s), numbered 0 to ${selection.count - 1}`,
        ...config.document?.locate(at),
      });
    }
  }
  if (problems.length > 0) {
    throw new MarinaError('CONFIG_INVALID', `Host config ${config.source} does not fit ${selection.count} shard(s):\n${formatProblems(problems)}`, {
      details: { file: config.source, problems },
    });
  }
  const own: IntegrationConfig[] = [];
  const elsewhere: ElsewhereIntegration[] = [];
  for (const integration of config.integrations) {
    const shard = shardOf(integration, selection.count);
    if (shard === selection.index) own.push(integration);
    else elsewhere.push({ identifier: integration.identifier, type: integration.type, shard });
  }
  return { ...config, integrations: own, shard: { ...selection, elsewhere } };
}
