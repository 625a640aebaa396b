import type { LiveEventRetryPolicy } from '../sdk/index.js';

export interface ResolvedRetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** The processor's policy with Ocean's defaults (3 tries, 1 s × 2ⁿ capped at 30 s). */
export function resolveRetryPolicy(policy: LiveEventRetryPolicy | undefined): ResolvedRetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(policy?.attempts ?? 3)),
    initialDelayMs: Math.max(0, policy?.initialDelayMs ?? 1000),
    maxDelayMs: Math.max(0, policy?.maxDelayMs ?? 30_000),
    factor: Math.max(1, policy?.factor ?? 2),
  };
}

/** The wait before try `attempt + 1`, after `attempt` failed tries (1-based): Ocean's 2 s, 4 s, 8 s. */
export function retryDelayMs(policy: ResolvedRetryPolicy, attempt: number): number {
  return Math.min(policy.initialDelayMs * policy.factor ** attempt, policy.maxDelayMs);
}
