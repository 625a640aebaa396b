/**
 * Whether a resync may delete stale entities, and why not. Ocean's gates (ocean-behavior.md
 * 5.8, 5.9) with its arithmetic kept exactly: `rate = stale / ownedBefore`, delete only when
 * `rate <= threshold`; threshold 0 never deletes, 1 always does.
 */
export type DeletionVerdict =
  | { allowed: true; rate: number }
  | { allowed: false; reason: 'kind-errors' | 'state-unknown' | 'aborted' | 'nothing-stale' | 'threshold'; rate: number; detail: string };

export interface DeletionGateInput {
  /** Kinds that failed (handler error, bad selector, missing handler...). */
  kindErrors: readonly string[];
  /** Whether the owned-entities listing of Port succeeded. */
  stateKnown: boolean;
  aborted: boolean;
  /** Owned entities in Port last written before the resync started. */
  ownedBefore: number;
  /** How many of those the resync did not produce. */
  stale: number;
  /** The mapping's `entityDeletionThreshold`. @default 0.9 when undefined */
  threshold: number | undefined;
}

export const DEFAULT_DELETION_THRESHOLD = 0.9;

export function decideDeletion(input: DeletionGateInput): DeletionVerdict {
  const rate = input.ownedBefore === 0 ? 0 : input.stale / input.ownedBefore;
  if (input.aborted) return { allowed: false, reason: 'aborted', rate, detail: 'the resync was aborted' };
  if (input.kindErrors.length > 0) {
    return { allowed: false, reason: 'kind-errors', rate, detail: `kinds failed: ${input.kindErrors.join(', ')}` };
  }
  if (!input.stateKnown) return { allowed: false, reason: 'state-unknown', rate, detail: 'the entities Port holds for this integration could not be listed' };
  if (input.stale === 0) return { allowed: false, reason: 'nothing-stale', rate, detail: 'no stale entities' };
  const threshold = input.threshold ?? DEFAULT_DELETION_THRESHOLD;
  if (!(rate <= threshold)) {
    return {
      allowed: false,
      reason: 'threshold',
      rate,
      detail: `${input.stale} of ${input.ownedBefore} owned entities are stale (${(rate * 100).toFixed(1)}%), above entityDeletionThreshold ${threshold}`,
    };
  }
  return { allowed: true, rate };
}
