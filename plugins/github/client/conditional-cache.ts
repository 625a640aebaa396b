import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback, constants as zlib } from 'node:zlib';
import type { PluginLogger } from '../../../src/sdk/index.js';

const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);

/** What a cached GET answer holds: enough to replay it when GitHub says 304. */
export interface CachedResponse {
  /** The headers pagination and the budget need (`link`, `etag`, `last-modified`, ...). */
  headers: Record<string, string>;
  data: unknown;
}

export interface ConditionalCacheStats {
  entries: number;
  bytes: number;
  /** 304 answers replayed from the cache. */
  replayed: number;
  /** Answers stored (new or changed). */
  stored: number;
}

/**
 * GitHub's conditional requests, kept across restarts: for every GET answered with an `ETag`,
 * the validator and the (gzipped) answer are stored under the integration's data dir, so the
 * next identical request carries `If-None-Match` and a `304 Not Modified` (which costs no
 * rate-limit points) is answered from here. Entries are keyed by credential, URL and `Accept`,
 * capped in total size (least recently used go first), written atomically; a damaged entry is
 * dropped and the request repeated without a validator.
 */
export interface ConditionalCache {
  /** The key of a request: the credential, the full URL and the media type asked for. */
  keyOf(identity: string, url: string, accept: string | undefined): string;
  /** The validator to send, if an answer is stored. */
  validator(key: string): { etag: string } | undefined;
  /** The stored answer; undefined (and forgotten) when it cannot be read back. */
  read(key: string): Promise<CachedResponse | undefined>;
  store(key: string, etag: string, response: CachedResponse): Promise<void>;
  forget(key: string): void;
  stats(): ConditionalCacheStats;
  /** Writes the index; called on close, and by itself a few seconds after changes. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface IndexEntry {
  etag: string;
  bytes: number;
}

const INDEX_VERSION = 1;

export interface ConditionalCacheOptions {
  /** The integration's data dir; without one the cache lives in memory only. */
  dataDir?: string | undefined;
  /** Total size of the stored answers (compressed). @default 1 GiB on disk, 64 MiB in memory */
  maxBytes?: number;
  logger: PluginLogger;
  /** Delay before a changed index is written. @default 5000 */
  flushDelayMs?: number;
}

export function createConditionalCache(options: ConditionalCacheOptions): ConditionalCache {
  const { logger } = options;
  const dir = options.dataDir === undefined ? undefined : path.join(options.dataDir, 'http-cache');
  const entriesDir = dir === undefined ? undefined : path.join(dir, 'entries');
  const indexFile = dir === undefined ? undefined : path.join(dir, 'index.json');
  const maxBytes = options.maxBytes ?? (dir === undefined ? 64 * 1024 * 1024 : 1024 * 1024 * 1024);
  // Map order is recency: a use moves the entry to the end, eviction takes from the front.
  const index = new Map<string, IndexEntry>();
  const memory = new Map<string, Buffer>();
  let bytes = 0;
  let replayed = 0;
  let stored = 0;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;

  if (dir !== undefined && entriesDir !== undefined && indexFile !== undefined) {
    mkdirSync(entriesDir, { recursive: true, mode: 0o700 });
    try {
      const saved = JSON.parse(readFileSync(indexFile, 'utf8')) as { version?: number; entries?: [string, string, number][] };
      if (saved.version === INDEX_VERSION && Array.isArray(saved.entries)) {
        for (const [key, etag, size] of saved.entries) {
          if (typeof key === 'string' && typeof etag === 'string' && typeof size === 'number') {
            index.set(key, { etag, bytes: size });
            bytes += size;
          }
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ file: indexFile, err: (error as Error).message }, 'GitHub response cache index unreadable; starting with an empty cache');
    }
    // Answers written after the last index write (a crash) are unknown: remove them.
    void removeOrphans(entriesDir);
  }

  async function removeOrphans(folder: string): Promise<void> {
    try {
      for (const name of await readdir(folder)) {
        const key = name.replace(/\.gz$/, '');
        if (!index.has(key)) await rm(path.join(folder, name), { force: true });
      }
    } catch (error) {
      logger.debug({ err: (error as Error).message }, 'could not tidy the GitHub response cache');
    }
  }

  const fileOf = (key: string) => path.join(entriesDir!, `${key}.gz`);

  function touch(key: string, entry: IndexEntry): void {
    index.delete(key);
    index.set(key, entry);
  }

  function drop(key: string): void {
    const entry = index.get(key);
    if (entry === undefined) return;
    index.delete(key);
    memory.delete(key);
    bytes -= entry.bytes;
    markDirty();
    if (entriesDir !== undefined) void rm(fileOf(key), { force: true }).catch(() => undefined);
  }

  function evict(): void {
    if (bytes <= maxBytes) return;
    const target = maxBytes * 0.9;
    for (const key of index.keys()) {
      if (bytes <= target) break;
      drop(key);
    }
  }

  function markDirty(): void {
    if (indexFile === undefined || closed) return;
    dirty = true;
    if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        void flush();
      }, options.flushDelayMs ?? 5000);
      timer.unref();
    }
  }

  function flush(): Promise<void> {
    if (indexFile === undefined) return Promise.resolve();
    flushing = flushing.then(async () => {
      if (!dirty) return;
      dirty = false;
      const body = JSON.stringify({ version: INDEX_VERSION, entries: [...index].map(([key, entry]) => [key, entry.etag, entry.bytes]) });
      const temporary = `${indexFile}.${process.pid}.tmp`;
      try {
        await writeFile(temporary, body, { mode: 0o600 });
        await rename(temporary, indexFile);
      } catch (error) {
        dirty = true;
        logger.warn({ file: indexFile, err: (error as Error).message }, 'could not write the GitHub response cache index');
      }
    });
    return flushing;
  }

  return {
    keyOf(identity, url, accept) {
      return createHash('sha256').update(`${identity}\n${url}\n${accept ?? ''}`).digest('hex').slice(0, 40);
    },
    validator(key) {
      const entry = index.get(key);
      return entry === undefined ? undefined : { etag: entry.etag };
    },
    async read(key) {
      const entry = index.get(key);
      if (entry === undefined) return undefined;
      try {
        const packed = entriesDir === undefined ? memory.get(key) : await readFile(fileOf(key));
        if (packed === undefined) throw new Error('missing from memory');
        const value = JSON.parse((await gunzip(packed)).toString('utf8')) as CachedResponse;
        touch(key, entry);
        replayed++;
        return value;
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'a stored GitHub answer could not be read back; asking GitHub again');
        drop(key);
        return undefined;
      }
    },
    async store(key, etag, response) {
      if (closed) return;
      const packed = await gzip(Buffer.from(JSON.stringify(response), 'utf8'), { level: zlib.Z_BEST_SPEED });
      if (packed.length > maxBytes / 4) return; // one giant answer must not flush everything else
      if (entriesDir !== undefined) {
        const file = fileOf(key);
        const temporary = `${file}.${process.pid}.${stored}.tmp`;
        try {
          await mkdir(entriesDir, { recursive: true, mode: 0o700 });
          await writeFile(temporary, packed, { mode: 0o600 });
          await rename(temporary, file);
        } catch (error) {
          await rm(temporary, { force: true }).catch(() => undefined);
          logger.warn({ err: (error as Error).message }, 'could not store a GitHub answer in the response cache');
          return;
        }
      } else {
        memory.set(key, packed);
      }
      const previous = index.get(key);
      if (previous !== undefined) bytes -= previous.bytes;
      touch(key, { etag, bytes: packed.length });
      bytes += packed.length;
      stored++;
      markDirty();
      evict();
    },
    forget(key) {
      drop(key);
    },
    stats() {
      return { entries: index.size, bytes, replayed, stored };
    },
    flush,
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await flush();
      closed = true;
    },
  };
}
