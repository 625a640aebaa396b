import type { PluginCache } from '../sdk/index.js';

interface Entry {
  value: unknown;
  expiresAt: number;
}

/**
 * An in-memory cache private to one integration (see `PluginCache`). `now` is injectable so
 * expiry can be tested without waiting.
 */
export function createPluginCache(options: { now?: () => number; maxEntries?: number } = {}): PluginCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<unknown>>();

  const read = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const cache: PluginCache = {
    get: <T>(key: string) => read(key)?.value as T | undefined,
    set(key, value, ttlMs) {
      entries.delete(key);
      // Oldest-first eviction keeps a runaway plugin from growing the host's memory forever.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : now() + ttlMs });
    },
    delete: (key) => entries.delete(key),
    clear() {
      entries.clear();
      pending.clear();
    },
    async wrap<T>(key: string, ttlMs: number | undefined, compute: () => Promise<T>): Promise<T> {
      const hit = read(key);
      if (hit !== undefined) return hit.value as T;
      const running = pending.get(key);
      if (running !== undefined) return running as Promise<T>;
      const promise = (async () => {
        try {
          const value = await compute();
          cache.set(key, value, ttlMs);
          return value;
        } finally {
          pending.delete(key);
        }
      })();
      pending.set(key, promise);
      return promise;
    },
  };
  return cache;
}
