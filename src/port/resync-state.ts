import type { PortClient } from './port-client.js';
import type { IntegrationIdentity } from './user-agent.js';

export type ResyncStatus = 'running' | 'completed' | 'failed' | 'aborted';

export interface ResyncStateUpdate {
  status: ResyncStatus;
  /** Sent with `running` only (Ocean's protocol). */
  lastResyncStart?: Date;
  /** `null` while running. */
  lastResyncEnd: Date | null;
  nextResync: Date | null;
  /** The schedule's interval; `null` when there is no schedule. */
  intervalInMinutes: number | null;
}

/**
 * The body of `PATCH /v1/integration/{id}/resync-state`. Port expects the field spelt
 * `intervalInMinuets`; the misspelling is Port's contract, kept on purpose.
 */
export function resyncStateBody(update: ResyncStateUpdate): Record<string, unknown> {
  return {
    status: update.status,
    ...(update.status === 'running' ? { lastResyncStart: (update.lastResyncStart ?? new Date()).toISOString() } : {}),
    lastResyncEnd: update.lastResyncEnd === null ? null : update.lastResyncEnd.toISOString(),
    nextResync: update.nextResync === null ? null : update.nextResync.toISOString(),
    intervalInMinuets: update.intervalInMinutes,
  };
}

/**
 * When the next scheduled resync falls: the first multiple of the interval, counted from
 * `scheduleStart`, that is after `from` (Ocean 5.11). Null without an interval.
 */
export function nextResyncAt(scheduleStart: Date, intervalInMinutes: number | null | undefined, from: Date): Date | null {
  if (intervalInMinutes === null || intervalInMinutes === undefined || !(intervalInMinutes > 0)) return null;
  const step = intervalInMinutes * 60_000;
  const elapsed = from.getTime() - scheduleStart.getTime();
  const periods = elapsed < 0 ? 0 : Math.floor(elapsed / step) + 1;
  return new Date(scheduleStart.getTime() + periods * step);
}

/**
 * Reports the resync state to Port. Setting fields is idempotent, so it is retried (Ocean sends
 * it once and loses it on a blip). Returns Port's `resyncState.updatedAt` when given; throws a
 * MarinaError on a final failure, which callers usually log and ignore, as Ocean does.
 */
export async function reportResyncState(
  client: PortClient,
  integration: IntegrationIdentity,
  update: ResyncStateUpdate,
  options: { signal?: AbortSignal } = {},
): Promise<string | undefined> {
  const response = await client.request<{ integration?: { resyncState?: { updatedAt?: unknown } } }>({
    method: 'PATCH',
    path: `/v1/integration/${encodeURIComponent(integration.identifier)}/resync-state`,
    body: resyncStateBody(update),
    integration,
    retry: true,
    lane: 'live',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const updatedAt = response.body.integration?.resyncState?.updatedAt;
  return typeof updatedAt === 'string' ? updatedAt : undefined;
}
