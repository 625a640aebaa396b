import type { RecentDeadLetters } from '../live/index.js';
import type { RuntimeStatus } from '../sync/integration-runtime.js';

/**
 * Whether a running integration is healthy, and if not why: the difference between `running`
 * and `degraded` in the admin API, `/health/ready` and `marina_integration_status`.
 */

/** How far back a dead letter makes the live queue count as dead-lettering. */
export const DEAD_LETTER_WINDOW_MS = 15 * 60_000;

/** One reason a running integration is `degraded`. Messages are masked by the caller. */
export interface DegradedReason {
  /** What is failing: its resyncs, its Port listener, or its live events. */
  source: 'resync' | 'listener' | 'live';
  /** An error code of the failure, when there is one (`RESYNC_PLUGIN_FAILED`, ...). */
  code?: string;
  message: string;
  /** When the failure happened (the failed run's end, the latest dead letter). */
  at?: string;
}

export interface HealthInputs {
  /** The resync runtime's status; absent without Port or before resyncs started. */
  resync?: RuntimeStatus;
  /** Dead letters of the last {@link DEAD_LETTER_WINDOW_MS} still in the list. */
  recentDeadLetters?: RecentDeadLetters;
}

/**
 * The reasons an integration that runs is degraded, none when it is healthy:
 * - **resync**: its last finished resync failed (aborted runs do not count either way); the next
 *   completed resync clears it.
 * - **listener**: its event listener could not start and is being retried (Port's triggers do
 *   not reach it).
 * - **live**: its live queue is dead-lettering, meaning an event went to the dead-letter list in
 *   the last 15 minutes and is still there. It clears when those dead letters are replayed or
 *   discarded, or 15 minutes after the last one if none follows.
 */
export function degradedReasons(inputs: HealthInputs): DegradedReason[] {
  const reasons: DegradedReason[] = [];
  const last = inputs.resync?.recent.find((run) => run.status === 'completed' || run.status === 'failed');
  if (last?.status === 'failed') {
    const first = last.errors[0];
    const more = last.errors.length > 1 ? ` (and ${last.errors.length - 1} more error${last.errors.length > 2 ? 's' : ''})` : '';
    reasons.push({
      source: 'resync',
      ...(first === undefined ? {} : { code: first.code }),
      message: `the last resync (${last.runId}) failed${first === undefined ? '' : `: ${first.kind === undefined ? '' : `kind "${first.kind}": `}${first.message}`}${more}`,
      ...(last.endedAt === null ? {} : { at: last.endedAt }),
    });
  }
  if (inputs.resync?.listenerError) {
    reasons.push({ source: 'listener', message: `the ${inputs.resync.listener} listener is not running (retrying): ${inputs.resync.listenerError}` });
  }
  const dead = inputs.recentDeadLetters;
  if (dead !== undefined && dead.count > 0) {
    const latest = dead.latest;
    reasons.push({
      source: 'live',
      message: `${dead.count} live event${dead.count === 1 ? '' : 's'} dead-lettered in the last ${DEAD_LETTER_WINDOW_MS / 60_000} minutes${latest === undefined ? '' : `; latest ${latest.id}: ${latest.reason}`}`,
      ...(latest === undefined ? {} : { at: latest.failedAt }),
    });
  }
  return reasons;
}
