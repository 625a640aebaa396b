import { setTimeout as sleep } from 'node:timers/promises';
import type { PluginLogger } from '../../../src/sdk/index.js';

/** Who is asking: resyncs yield to the reservation threshold, live events do not. */
export type RequestLane = 'resync' | 'live';

/** GitHub's rate-limit resources: `core` (REST), `graphql`, `search`, ... */
export type RateResource = string;

interface ResourceState {
  limit: number;
  remaining: number;
  /** Epoch ms at which GitHub refills the resource. */
  resetAt: number;
}

/** Figures of one budget, for logs, tests and the benchmark. */
export interface RateBudgetStats {
  /** Requests sent, by resource. */
  requests: Record<string, number>;
  /** Of those, answered 304 Not Modified (free of points). */
  notModified: Record<string, number>;
  /** Requests that cost points: every answer but 304 (a GraphQL query may cost more than one). */
  pointsSpent: Record<string, number>;
  /** Times a request waited for a reset or a secondary-limit pause. */
  waits: number;
  /** The latest known state per resource. */
  resources: Record<string, { limit: number; remaining: number; resetAt: string }>;
}

/**
 * The rate budget of one GitHub credential (a token, or an App installation), shared by every
 * integration of the process that uses it: GitHub counts points per credential, so two
 * integrations with the same token spend from one pool. It learns the pool from GitHub's
 * `x-ratelimit-*` headers and, before a request goes out:
 * - pauses everyone after a secondary limit (`retry-after`) until the pause ends;
 * - when a resource is exhausted, pauses until its reset;
 * - pauses resyncs once they have used `threshold`% of the REST limit (Ocean's
 *   `resyncRatelimitReservationThreshold`), so live events keep the rest of the hour.
 * Waits end early when the request's signal fires.
 */
export interface RateBudget {
  readonly key: string;
  /** Waits until a request may go; `logger` (the asking integration's) hears about waits. */
  acquire(options: { resource: RateResource; lane: RequestLane; threshold: number; signal?: AbortSignal | undefined; logger?: PluginLogger }): Promise<void>;
  /** Updates the pool from a response's headers (any status, 304 included). */
  observe(headers: Record<string, string | number | undefined>, options: { resource: RateResource; notModified: boolean }): void;
  /** A primary limit answer: nothing more on `resource` until `resetAt` (epoch ms). */
  exhausted(resource: RateResource, resetAt: number, logger?: PluginLogger): void;
  /** A secondary limit answer: nothing at all for `ms`. */
  pause(ms: number, logger?: PluginLogger): void;
  stats(): RateBudgetStats;
}

export function createRateBudget(key: string, logger: PluginLogger, now: () => number = Date.now): RateBudget {
  const resources = new Map<RateResource, ResourceState>();
  let pausedUntil = 0;
  const stats = { requests: {} as Record<string, number>, notModified: {} as Record<string, number>, pointsSpent: {} as Record<string, number>, waits: 0 };
  /** The last wait announced per resource, lane and reason, so each wait is logged once. */
  const announced = new Map<string, number>();
  const add = (table: Record<string, number>, resource: string, delta: number) => {
    table[resource] = (table[resource] ?? 0) + delta;
  };

  /** Why a request of `lane` must wait now, and until when; undefined when it may go. */
  function blocker(resource: RateResource, lane: RequestLane, threshold: number): { until: number; reason: string } | undefined {
    const time = now();
    if (pausedUntil > time) return { until: pausedUntil, reason: 'secondary rate limit' };
    const state = resources.get(resource);
    if (state === undefined || state.resetAt <= time) return undefined;
    if (state.remaining <= 0) return { until: state.resetAt, reason: `${resource} rate limit exhausted` };
    if (lane === 'resync' && resource === 'core' && state.limit > 0) {
      const usedPercent = ((state.limit - state.remaining) / state.limit) * 100;
      if (usedPercent >= threshold) return { until: state.resetAt, reason: `resyncs reached resyncRatelimitReservationThreshold (${threshold}% of ${state.limit})` };
    }
    return undefined;
  }

  return {
    key,
    async acquire({ resource, lane, threshold, signal, logger: caller }) {
      for (;;) {
        signal?.throwIfAborted();
        const wait = blocker(resource, lane, threshold);
        if (wait === undefined) break;
        stats.waits++;
        const topic = `${resource}/${lane}/${wait.reason}`;
        if (announced.get(topic) !== wait.until) {
          announced.set(topic, wait.until);
          (caller ?? logger).warn({ resource, lane, resumeAt: new Date(wait.until).toISOString() }, `${wait.reason}: ${lane} requests wait until the reset`);
        }
        // Re-checked after the wait: a response meanwhile may have moved the reset.
        try {
          await sleep(Math.max(50, wait.until - now() + 250), undefined, signal ? { signal } : undefined);
        } catch (error) {
          // The resync's own reason (aborted by a newer run, shutdown), not a generic AbortError.
          if (signal?.aborted) throw signal.reason;
          throw error;
        }
      }
      const state = resources.get(resource);
      // Spend optimistically, so many concurrent requests do not all pass on a stale count.
      if (state !== undefined && state.resetAt > now()) state.remaining--;
      add(stats.requests, resource, 1);
    },
    observe(headers, { resource: guessed, notModified }) {
      const resource = typeof headers['x-ratelimit-resource'] === 'string' ? headers['x-ratelimit-resource'] : guessed;
      if (notModified) add(stats.notModified, resource, 1);
      const limit = Number(headers['x-ratelimit-limit']);
      const remaining = Number(headers['x-ratelimit-remaining']);
      const reset = Number(headers['x-ratelimit-reset']);
      // Every answer but a 304 costs a point (GraphQL queries may cost more; GitHub's headers
      // only tell the running total, which other processes also move).
      if (!notModified) add(stats.pointsSpent, resource, 1);
      if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset)) return;
      const resetAt = reset * 1000;
      const state = resources.get(resource);
      // Responses arrive out of order: within a window, the lowest remaining is the truth.
      if (state === undefined || resetAt > state.resetAt || remaining < state.remaining || state.resetAt <= now()) {
        resources.set(resource, { limit, remaining: state !== undefined && resetAt === state.resetAt ? Math.min(remaining, state.remaining) : remaining, resetAt });
      }
    },
    exhausted(resource, resetAt, caller) {
      const state = resources.get(resource);
      resources.set(resource, { limit: state?.limit ?? 0, remaining: 0, resetAt: Math.max(resetAt, state?.resetAt ?? 0) });
      (caller ?? logger).warn({ resource, resumeAt: new Date(resetAt).toISOString() }, `GitHub ${resource} rate limit exhausted`);
    },
    pause(ms, caller) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      (caller ?? logger).warn({ resumeAt: new Date(pausedUntil).toISOString() }, 'GitHub secondary rate limit: every request of this credential pauses');
    },
    stats() {
      return {
        requests: { ...stats.requests },
        notModified: { ...stats.notModified },
        pointsSpent: { ...stats.pointsSpent },
        waits: stats.waits,
        resources: Object.fromEntries([...resources].map(([name, state]) => [name, { limit: state.limit, remaining: state.remaining, resetAt: new Date(state.resetAt).toISOString() }])),
      };
    },
  };
}

/**
 * Budgets by credential. One registry lives in the plugin module, so every integration of the
 * process that uses the same token (or App installation) shares one budget; a budget lives as
 * long as some integration holds it.
 */
export interface RateBudgetRegistry {
  /** The budget of `key`, created on first use; `release` when the integration stops. */
  hold(key: string, logger: PluginLogger): { budget: RateBudget; release(): void };
}

export function createRateBudgetRegistry(): RateBudgetRegistry {
  const budgets = new Map<string, { budget: RateBudget; holders: number }>();
  return {
    hold(key, logger) {
      let entry = budgets.get(key);
      if (entry === undefined) {
        entry = { budget: createRateBudget(key, logger), holders: 0 };
        budgets.set(key, entry);
      }
      entry.holders++;
      const held = entry;
      let released = false;
      return {
        budget: held.budget,
        release() {
          if (released) return;
          released = true;
          held.holders--;
          if (held.holders === 0 && budgets.get(key) === held) budgets.delete(key);
        },
      };
    },
  };
}
