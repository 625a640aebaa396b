import type { MisconfigurationSummary } from '../mapping/index.js';

/**
 * Live figures of one resync, per resource block of the mapping: what the status API
 * (`GET /api/integrations/:id`) and the `sail` terminal view read while the run goes on, and the
 * final figures once it has ended. Plain counters, updated in place by the runner; readers take a
 * {@link ResyncProgress.snapshot} (a copy), so nothing they do can disturb the run.
 */

/** The counts of one resource block (or of the whole run, in `totals`). */
export interface KindCounts {
  /** Raw records the plugin yielded. */
  records: number;
  /** Entities produced (selector passed, identifier and blueprint present). */
  mapped: number;
  /** Records the selector rejected. */
  filtered: number;
  /** Records mapped to an empty identifier or blueprint (Ocean's "transformations failed"). */
  skipped: number;
  /** Entities written to Port. */
  upserted: number;
  /** Entities already identical in Port, so not written. */
  unchanged: number;
  /** Entities Port refused, and records that could not be mapped (not an object, selector error). */
  failed: number;
  /** Stale entities deleted by reconciliation (attributed to the block that maps their blueprint). */
  deleted: number;
}

export type KindState = 'pending' | 'running' | 'completed' | 'failed' | 'aborted';
export type RunState = 'running' | 'reconciling' | 'completed' | 'failed' | 'aborted';

export interface KindProgress extends KindCounts {
  kind: string;
  resourceIndex: number;
  state: KindState;
  /** Pages received from the plugin. */
  pages: number;
  /** Why the block failed, when it did. */
  error?: { code: string; message: string };
  /** Fields the mapping left null, with how many items and an example (see the mapping stage). */
  misconfigurations: MisconfigurationSummary[];
}

export interface ProgressSnapshot {
  state: RunState;
  startedAt: string;
  endedAt: string | null;
  elapsedMs: number;
  /** Raw records per second since the start (0 until a second has passed). */
  recordsPerSecond: number;
  kinds: KindProgress[];
  totals: KindCounts;
}

export interface ResyncProgress {
  /** Declares the blocks of the mapping, in order; called once the mapping is known. */
  setKinds(blocks: { kind: string; resourceIndex: number }[]): void;
  /** The live counters of block `resourceIndex` (the runner adds to them). */
  kind(resourceIndex: number): KindProgress;
  /** Deletions that no block's blueprints account for. */
  addUnattributedDeletions(count: number): void;
  setState(state: RunState): void;
  snapshot(): ProgressSnapshot;
}

export const COUNT_KEYS = ['records', 'mapped', 'filtered', 'skipped', 'upserted', 'unchanged', 'failed', 'deleted'] as const satisfies readonly (keyof KindCounts)[];

export function emptyCounts(): KindCounts {
  return { records: 0, mapped: 0, filtered: 0, skipped: 0, upserted: 0, unchanged: 0, failed: 0, deleted: 0 };
}

export function createResyncProgress(options: { now?: () => number } = {}): ResyncProgress {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let endedAt: number | undefined;
  let state: RunState = 'running';
  let kinds: KindProgress[] = [];
  let unattributedDeletions = 0;

  return {
    setKinds(blocks) {
      kinds = blocks.map(({ kind, resourceIndex }) => ({ kind, resourceIndex, state: 'pending', pages: 0, ...emptyCounts(), misconfigurations: [] }));
    },
    kind(resourceIndex) {
      const found = kinds[resourceIndex];
      if (found === undefined) throw new RangeError(`no resource block ${resourceIndex} in this resync's progress (${kinds.length} blocks)`);
      return found;
    },
    addUnattributedDeletions(count) {
      unattributedDeletions += count;
    },
    setState(next) {
      state = next;
      if (next === 'completed' || next === 'failed' || next === 'aborted') endedAt ??= now();
    },
    snapshot() {
      const totals = emptyCounts();
      for (const block of kinds) for (const key of COUNT_KEYS) totals[key] += block[key];
      totals.deleted += unattributedDeletions;
      const elapsedMs = (endedAt ?? now()) - startedAt;
      return {
        state,
        startedAt: new Date(startedAt).toISOString(),
        endedAt: endedAt === undefined ? null : new Date(endedAt).toISOString(),
        elapsedMs,
        recordsPerSecond: elapsedMs >= 1000 ? Math.round((totals.records * 1000) / elapsedMs) : 0,
        kinds: kinds.map((block) => ({ ...block, ...(block.error ? { error: { ...block.error } } : {}), misconfigurations: block.misconfigurations.map((field) => ({ ...field })) })),
        totals,
      };
    },
  };
}
