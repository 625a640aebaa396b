import { parseShard, type ShardSelection } from '../config/shard.js';

/**
 * The shard this process runs: `--shard i/N`, else `MARINA_SHARD`, else none (every integration).
 * Returns the problem as a message naming where the bad value came from.
 */
export function readShardOption(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): ShardSelection | undefined | string {
  const fromEnv = env['MARINA_SHARD'];
  const text = flag ?? (fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv);
  if (text === undefined) return undefined;
  const parsed = parseShard(text);
  return typeof parsed === 'string' ? `${flag === undefined ? 'MARINA_SHARD' : '--shard'} ${parsed}` : parsed;
}
