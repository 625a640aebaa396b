/**
 * A queue that runs tasks with the same key one at a time in the order they were added, and
 * tasks with different keys in parallel, at most `concurrency` at once. Keys take turns, so a
 * resource with a long backlog does not starve the others (p-queue orders globally; this is the
 * per-resource order Ocean's GroupQueue gives, without its lock timeout: a task holds its key
 * until it settles, and the per-event timeout bounds that).
 */
export interface KeyedQueue {
  add(key: string, task: () => Promise<void>): void;
  /** Tasks waiting, not counting running ones. */
  readonly waiting: number;
  readonly running: number;
  /** Resolves when nothing waits or runs. */
  onIdle(): Promise<void>;
}

export function createKeyedQueue(options: { concurrency: number }): KeyedQueue {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new TypeError(`Expected \`concurrency\` to be a positive integer, got ${options.concurrency}`);
  }
  const backlog = new Map<string, (() => Promise<void>)[]>();
  /** Keys with work and no task running, in the order they became ready. */
  const ready: string[] = [];
  const busy = new Set<string>();
  let waiting = 0;
  let idleWaiters: (() => void)[] = [];

  const pump = (): void => {
    while (busy.size < options.concurrency && ready.length > 0) {
      const key = ready.shift()!;
      const tasks = backlog.get(key)!;
      const task = tasks.shift()!;
      if (tasks.length === 0) backlog.delete(key);
      waiting--;
      busy.add(key);
      void task()
        .catch(() => undefined)
        .finally(() => {
          busy.delete(key);
          if (backlog.has(key)) ready.push(key);
          pump();
          if (busy.size === 0 && waiting === 0) {
            const waiters = idleWaiters;
            idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  };

  return {
    add(key, task) {
      let tasks = backlog.get(key);
      if (tasks === undefined) {
        backlog.set(key, (tasks = []));
        if (!busy.has(key)) ready.push(key);
      }
      tasks.push(task);
      waiting++;
      pump();
    },
    get waiting() {
      return waiting;
    },
    get running() {
      return busy.size;
    },
    onIdle() {
      if (busy.size === 0 && waiting === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
