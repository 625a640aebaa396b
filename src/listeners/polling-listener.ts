import { describeError } from '../errors.js';
import { systemClock, type SchedulerClock } from '../sync/schedule-clock.js';
import type { EventListener, ListenerContext } from '../sync/integration-runtime.js';

export interface PollingListenerOptions {
  /** Resync once at start, whatever Port says. @default true */
  resyncOnStart?: boolean;
  /** Time between the end of one poll and the start of the next. @default 60000 (Ocean's 60 s) */
  intervalMs?: number;
  clock?: SchedulerClock;
}

interface ResyncRequestBody {
  request?: { id?: unknown; updatedAt?: unknown } | null;
}

/**
 * The POLLING listener (ocean-behavior.md 6.1): asks Port for the integration's latest resync
 * request (`GET /v1/integration/:id/resync-request`) every interval and resyncs when it is
 * newer than the last one handled. The same request never triggers twice.
 *
 * Unlike Ocean, `resyncOnStart` works: the first poll resyncs unconditionally and takes the
 * request it finds as handled (the resync it starts covers it). Without it, the baseline is the
 * last resync Port recorded (`resyncState.updatedAt`), so a restart does not replay an old
 * request.
 */
export function createPollingListener(context: ListenerContext, options: PollingListenerOptions = {}): EventListener {
  const { client, integration } = context;
  const logger = context.logger.child({ listener: 'POLLING' });
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 60_000;
  const resyncOnStart = options.resyncOnStart ?? true;
  const path = `/v1/integration/${encodeURIComponent(integration.identifier)}`;
  /** `updatedAt` of the last request that triggered (or was covered by) a resync. */
  let handledRequestAt: string | undefined;
  /** The last resync Port knew of when polling started without resync-on-start. */
  let initialStateAt: string | undefined;
  let first = true;
  let timer: unknown;
  let stopped = false;
  let polling: Promise<void> | undefined;
  const controller = new AbortController();

  async function latestRequest(): Promise<{ id?: string; updatedAt: string; at: number } | undefined> {
    const response = await client.request<ResyncRequestBody>({ method: 'GET', path: `${path}/resync-request`, integration, signal: controller.signal });
    const request = response.body.request ?? {};
    const updatedAt = typeof request.updatedAt === 'string' ? request.updatedAt : undefined;
    const at = updatedAt === undefined ? Number.NaN : Date.parse(updatedAt);
    if (updatedAt === undefined || Number.isNaN(at)) return undefined;
    return { ...(typeof request.id === 'string' ? { id: request.id } : {}), updatedAt, at };
  }

  async function poll(): Promise<void> {
    if (first) {
      first = false;
      if (resyncOnStart) {
        const request = await latestRequest().catch((error: unknown) => {
          logger.warn({ err: describeError(error) }, 'could not read the resync request from Port');
          return undefined;
        });
        if (request !== undefined) handledRequestAt = request.updatedAt;
        logger.info('resync on start');
        context.requestResync({ source: 'start', reason: 'resyncOnStart' });
        return;
      }
      try {
        const response = await client.request<{ integration?: { resyncState?: { updatedAt?: unknown } } }>({ method: 'GET', path, integration, signal: controller.signal });
        const updatedAt = response.body.integration?.resyncState?.updatedAt;
        if (typeof updatedAt === 'string' && !Number.isNaN(Date.parse(updatedAt))) initialStateAt = updatedAt;
      } catch (error) {
        logger.warn({ err: describeError(error) }, 'could not read the last resync state from Port');
      }
    }
    const request = await latestRequest();
    if (request === undefined) return;
    const baseline = handledRequestAt ?? context.lastStateUpdatedAt() ?? initialStateAt;
    if (baseline !== undefined && !(request.at > Date.parse(baseline))) return;
    handledRequestAt = request.updatedAt;
    logger.info({ requestId: request.id, updatedAt: request.updatedAt }, 'resync requested by Port');
    context.requestResync({ source: 'listener', reason: `Port resync request${request.id ? ` ${request.id}` : ''} of ${request.updatedAt}` });
  }

  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    polling = poll()
      .catch((error: unknown) => {
        if (!stopped) logger.warn({ err: describeError(error) }, 'polling Port for resync requests failed; will try again');
      })
      .finally(() => {
        polling = undefined;
        // The next poll counts from the end of this one, so slow answers never pile up.
        if (!stopped) timer = clock.setTimeout(tick, intervalMs);
      });
  };

  return {
    type: 'POLLING',
    resyncs: true,
    async start() {
      tick();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      controller.abort();
      await polling;
    },
  };
}
