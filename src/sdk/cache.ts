/**
 * A small per-integration cache. Each integration gets its own, so clearing it never touches
 * another integration's entries (Ocean shares one disk cache per host and wipes it at every
 * resync).
 */
export interface PluginCache {
  /** The cached value, or `undefined` when absent or expired. */
  get<T = unknown>(key: string): T | undefined;
  /**
   * Stores `value` under `key`.
   * @param ttlMs - lifetime in milliseconds; omitted means until {@link PluginCache.clear}.
   */
  set<T = unknown>(key: string, value: T, ttlMs?: number): void;
  delete(key: string): boolean;
  clear(): void;
  /**
   * Returns the cached value for `key`, or computes it with `compute`, caches it and returns it.
   * Concurrent calls for the same key share one computation. Empty results (`[]`, `{}`) are
   * cached like any other value (Ocean's decorators treat them as misses).
   *
   * @example
   * const teams = await ctx.cache.wrap('teams', 60_000, () => api.listTeams());
   */
  wrap<T>(key: string, ttlMs: number | undefined, compute: () => Promise<T>): Promise<T>;
}
