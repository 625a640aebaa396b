/**
 * The time source of the resync scheduler. Injected so tests can drive hours of schedule in
 * microseconds, and so the scheduler never reads a global clock behind a caller's back.
 */
export interface SchedulerClock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The wall clock. Its timers are unref'ed: a pending scheduled resync alone should not keep a
 * process alive (the daemon's HTTP server does that; a one-shot `sail` should exit when done).
 */
export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A clock that moves only when told to; timers fire in due order during {@link ManualClock.advance}. */
export interface ManualClock extends SchedulerClock {
  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones they set). */
  advance(ms: number): void;
  /** Due times of the timers still pending, earliest first. */
  pending(): number[];
}

export function createManualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void; order: number }>();

  const earliest = (): [number, { at: number; callback: () => void; order: number }] | undefined => {
    let found: [number, { at: number; callback: () => void; order: number }] | undefined;
    for (const entry of timers) {
      if (found === undefined || entry[1].at < found[1].at || (entry[1].at === found[1].at && entry[1].order < found[1].order)) found = entry;
    }
    return found;
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), callback, order: id });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (let next = earliest(); next !== undefined && next[1].at <= target; next = earliest()) {
        timers.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = target;
    },
    pending: () => [...timers.values()].map((timer) => timer.at).sort((a, b) => a - b),
  };
}
