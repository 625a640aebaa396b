import type { Logger } from 'pino';
import type { ResyncProgress } from './resync-progress.js';

export interface ProgressLogOptions {
  progress: ResyncProgress;
  logger: Logger;
  /** Time between two lines of a running kind. */
  intervalMs: number;
  /** @default Date.now */
  now?: () => number;
}

export interface ProgressLog {
  /** Logs the running kinds now (the timer calls it every `intervalMs`). */
  tick(): void;
  stop(): void;
}

/**
 * Progress lines of a long resync: every `intervalMs`, one `info` line per running kind with
 * its figures and its rate since it started, so a resync of millions of records shows it is
 * alive (and how fast it goes) between its "resync started" and "kind completed" lines.
 */
export function startProgressLog(options: ProgressLogOptions): ProgressLog {
  const now = options.now ?? Date.now;
  /** When each running block was first seen, as the start of its rate. */
  const firstSeen = new Map<number, number>();
  let lastTick = now();
  const tick = (): void => {
    const at = now();
    for (const block of options.progress.snapshot().kinds) {
      if (block.state !== 'running') continue;
      // A block that started since the last tick had no records then: count from that tick.
      const since = firstSeen.get(block.resourceIndex) ?? lastTick;
      firstSeen.set(block.resourceIndex, since);
      const seconds = (at - since) / 1000;
      const { kind, resourceIndex, records, upserted, unchanged, failed, pages } = block;
      options.logger.info(
        { kind, resourceIndex, records, upserted, unchanged, failed, pages, recordsPerSecond: seconds > 0 ? Math.round(records / seconds) : 0 },
        `resync progress: ${kind} ${records} records, ${upserted} upserted, ${unchanged} unchanged, ${failed} failed`,
      );
    }
    lastTick = at;
  };
  const timer = setInterval(tick, options.intervalMs);
  // Never what keeps the process alive.
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
