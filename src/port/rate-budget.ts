import PQueue from 'p-queue';
import { parseWaitHeader } from './retry-policy.js';
import { PORT_PUBLISHED_LIMITS, type RouteFamily, type RouteLimit } from './route-family.js';

/**
 * One request budget per Port organization, shared by every integration the host runs against
 * it. Three things at once:
 * - a token bucket per route family, mirroring Port's limits (optionally scaled), so fifty
 *   integrations together stay under them instead of each discovering them through 429s;
 * - adaptation to Port's `x-ratelimit-*` headers and 429s, which pause the family for everyone;
 * - fairness: each integration feeds the shared queue through its own small queue, so a resync
 *   with 10,000 queued writes keeps at most `perIntegrationConcurrency` requests ahead of another
 *   integration's live event, and live events jump ahead of resync work.
 */
export interface RateBudgetOptions {
  /**
   * The local model of Port's limits. `false` sends as fast as concurrency allows and only
   * reacts to Port's headers and 429s. @default Port's published limits, scale 1
   */
  limits?: false | { scale?: number; overrides?: Partial<Record<RouteFamily, RouteLimit>> };
  /** Requests in flight at once for the whole organization. @default 32 */
  concurrency?: number;
  /**
   * Requests one integration may have in the shared queue at once. Even at the full concurrency
   * another integration waits for one free slot at most, since the lane refills the shared queue
   * only as its own requests finish. @default concurrency
   */
  perIntegrationConcurrency?: number;
  now?: () => number;
}

export interface BudgetJob {
  /** The integration the request is for; fairness is between these. */
  integration: string;
  family: RouteFamily;
  /** Live events go before resync work. @default 'resync' */
  lane?: 'live' | 'resync';
  signal?: AbortSignal;
}

export interface RateBudgetSnapshot {
  running: number;
  queued: number;
  /** 429 responses observed since the budget was created. */
  throttled: number;
  /** Requests sent since the budget was created. */
  sent: number;
}

export interface RateBudget {
  /** Runs `task` (one HTTP attempt) once a slot and a token of `job.family` are free. */
  run<T>(job: BudgetJob, task: () => Promise<T>): Promise<T>;
  /** Feeds a response back: adapts to `x-ratelimit-*`, and a 429 pauses the family. */
  observe(family: RouteFamily, status: number, headers: Record<string, string | string[] | undefined>): void;
  snapshot(): RateBudgetSnapshot;
}

interface Bucket {
  tokens: number;
  capacity: number;
  /** Tokens per ms; Infinity when there is no local model. */
  ratePerMs: number;
  refilledAt: number;
  pausedUntil: number;
  waiters: Waiter[];
  timer: NodeJS.Timeout | undefined;
}

interface Waiter {
  priority: number;
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
}

const LANE_PRIORITY = { live: 1, resync: 0 } as const;

export function createRateBudget(options: RateBudgetOptions = {}): RateBudget {
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 32;
  const perIntegration = options.perIntegrationConcurrency ?? concurrency;
  const shared = new PQueue({ concurrency });
  const lanes = new Map<string, PQueue>();
  const buckets = new Map<RouteFamily, Bucket>();
  let throttled = 0;
  let sent = 0;

  function bucketFor(family: RouteFamily): Bucket {
    let bucket = buckets.get(family);
    if (bucket === undefined) {
      const limits = options.limits ?? {};
      if (limits === false) {
        bucket = { tokens: Infinity, capacity: Infinity, ratePerMs: Infinity, refilledAt: now(), pausedUntil: 0, waiters: [], timer: undefined };
      } else {
        const scale = limits.scale ?? 1;
        const base = limits.overrides?.[family] ?? PORT_PUBLISHED_LIMITS[family];
        const capacity = Math.max(1, base.burst * scale);
        bucket = { tokens: capacity, capacity, ratePerMs: (base.limit * scale) / (base.periodSeconds * 1000), refilledAt: now(), pausedUntil: 0, waiters: [], timer: undefined };
      }
      buckets.set(family, bucket);
    }
    return bucket;
  }

  function refill(bucket: Bucket): void {
    const at = now();
    if (Number.isFinite(bucket.ratePerMs)) {
      bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (at - bucket.refilledAt) * bucket.ratePerMs);
    } else {
      bucket.tokens = Infinity;
    }
    bucket.refilledAt = at;
  }

  /**
   * Waits for a token of `family`. Waiters are served in order (live lane first, then arrival)
   * by one timer per bucket, so a live event is next in line for a token instead of racing a
   * resync's dozens of waiters for it.
   */
  function takeToken(family: RouteFamily, priority: number, signal: AbortSignal | undefined): Promise<void> {
    const bucket = bucketFor(family);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter: Waiter = { priority, resolve, reject, signal };
      const at = bucket.waiters.findIndex((other) => other.priority < priority);
      if (at === -1) bucket.waiters.push(waiter);
      else bucket.waiters.splice(at, 0, waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const index = bucket.waiters.indexOf(waiter);
          if (index !== -1) bucket.waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      pump(bucket);
    });
  }

  function pump(bucket: Bucket): void {
    if (bucket.timer !== undefined) {
      clearTimeout(bucket.timer);
      bucket.timer = undefined;
    }
    refill(bucket);
    const at = now();
    const needed = 1 + reserveOf(bucket);
    while (bucket.waiters.length > 0 && bucket.pausedUntil <= at && bucket.tokens >= needed) {
      bucket.tokens -= 1;
      const waiter = bucket.waiters.shift()!;
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    if (bucket.waiters.length === 0) return;
    const waitMs = bucket.pausedUntil > at ? bucket.pausedUntil - at : Math.ceil((needed - bucket.tokens) / bucket.ratePerMs);
    bucket.timer = setTimeout(() => {
      bucket.timer = undefined;
      pump(bucket);
    }, Math.max(1, waitMs));
  }

  function laneFor(integration: string): PQueue {
    let lane = lanes.get(integration);
    if (lane === undefined) {
      lane = new PQueue({ concurrency: perIntegration });
      lanes.set(integration, lane);
    }
    return lane;
  }

  return {
    async run(job, task) {
      const priority = LANE_PRIORITY[job.lane ?? 'resync'];
      // The signal is checked here rather than given to p-queue: p-queue 8 adds an 'abort'
      // listener per job that it never removes, so a resync's long-lived signal would keep every
      // finished request (and its response) alive until the resync ends. takeToken and the task
      // itself stop on the signal, which is all p-queue's option did once a job had started.
      const queueOptions = { priority };
      const result = await laneFor(job.integration).add(
        () =>
          shared.add(async () => {
            job.signal?.throwIfAborted();
            await takeToken(job.family, priority, job.signal);
            sent += 1;
            return task();
          }, queueOptions),
        queueOptions,
      );
      return result as Awaited<ReturnType<typeof task>>;
    },
    observe(family, status, headers) {
      const bucket = bucketFor(family);
      const at = now();
      const reset = parseWaitHeader(header(headers, 'x-ratelimit-reset'), at);
      if (status === 429) {
        throttled += 1;
        const retryAfter = parseWaitHeader(header(headers, 'retry-after'), at);
        bucket.pausedUntil = Math.max(bucket.pausedUntil, at + (retryAfter ?? reset ?? 1000));
        if (bucket.waiters.length > 0) pump(bucket);
        return;
      }
      const remaining = numberHeader(headers, 'x-ratelimit-remaining');
      if (remaining === undefined) return;
      refill(bucket);
      // Port states its steady rate; adopt it, so a bucket without a local model (or with an
      // outdated one) learns the real limit from the first answer.
      const limit = numberHeader(headers, 'x-ratelimit-limit');
      const period = numberHeader(headers, 'x-ratelimit-period');
      if (limit !== undefined && period !== undefined && limit > 0 && period > 0) {
        bucket.ratePerMs = limit / (period * 1000);
        bucket.capacity = Number.isFinite(bucket.capacity) ? Math.max(bucket.capacity, remaining) : Math.max(1, remaining);
      }
      // Port counts requests we have not heard back about yet, so its figure is the truth.
      // (`x-ratelimit-reset` says when the bucket is full again, not when one request is
      // allowed, so it is no reason to pause.)
      if (remaining < bucket.tokens) bucket.tokens = Math.max(0, remaining);
      if (bucket.waiters.length > 0) pump(bucket);
    },
    snapshot() {
      let queued = shared.size;
      for (const lane of lanes.values()) queued += lane.size;
      return { running: shared.pending, queued, throttled, sent };
    },
  };
}

/**
 * Tokens held back from a large bucket. Port's bucket starts counting when our first request
 * arrives, a little after ours starts, and arrivals bunch up behind network jitter, so the local
 * model can run slightly ahead of Port's when the burst runs out; a 429 then pauses the family
 * for a whole Retry-After. Holding a few tokens back costs nothing at the steady rate (it is a
 * constant offset) and makes that rarer.
 */
function reserveOf(bucket: Bucket): number {
  return Number.isFinite(bucket.capacity) && bucket.capacity >= 50 ? 3 : 0;
}

function numberHeader(headers: Record<string, string | string[] | undefined>, name: string): number | undefined {
  const text = header(headers, name);
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
