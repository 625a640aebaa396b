import { MarinaError } from '../errors.js';

export interface PageStreamOptions {
  /**
   * Pages fetched ahead of the one being processed. With 1, page N+1 is fetched while page N is
   * mapped and loaded, and at most two pages are held at once.
   */
  readAhead: number;
  /** A plugin that takes longer than this to produce one page is given up on. */
  pageTimeoutMs: number;
  /** The run's signal: when it fires the stream stops waiting at once. */
  signal: AbortSignal;
  /** Called when a page times out, before the error is thrown: abort the plugin's work here. */
  onTimeout(): void;
  /** For error messages. */
  where: { integration: string; kind: string; resourceIndex: number };
}

/**
 * Pulls the pages of a plugin's handler with back-pressure: at most `readAhead` pages are
 * fetched before the consumer takes them, so memory is bounded by the page size, not the number
 * of records. A page that does not arrive within `pageTimeoutMs` fails the stream with
 * `RESYNC_PAGE_TIMEOUT` without waiting for the plugin (a hung plugin cannot hang the host).
 */
export async function* streamPages(iterable: AsyncIterable<unknown>, options: PageStreamOptions): AsyncGenerator<unknown, void, undefined> {
  const { readAhead, pageTimeoutMs, signal, where } = options;
  if (!Number.isSafeInteger(readAhead) || readAhead < 1) throw new RangeError(`readAhead must be a positive integer, got ${String(readAhead)}`);
  const iterator = iterable[Symbol.asyncIterator]();
  const buffer: unknown[] = [];
  let fetching: Promise<void> | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let pageNumber = 0;
  /** Wakes the consumer when a fetch settles. */
  let wake: (() => void) | undefined;

  const nextWithTimeout = (): Promise<IteratorResult<unknown>> => {
    const number = ++pageNumber;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        options.onTimeout();
        reject(
          new MarinaError('RESYNC_PAGE_TIMEOUT', `The handler of kind "${where.kind}" (resource ${where.resourceIndex}) of integration "${where.integration}" produced no page ${number} within ${pageTimeoutMs} ms`, {
            retryable: true,
            details: { ...where, page: number, timeoutMs: pageTimeoutMs },
          }),
        );
      }, pageTimeoutMs);
      let pending: Promise<IteratorResult<unknown>>;
      try {
        pending = iterator.next();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  };

  const fill = (): void => {
    if (fetching !== undefined || finished || failure !== undefined || buffer.length >= readAhead || signal.aborted) return;
    fetching = nextWithTimeout().then(
      (result) => {
        fetching = undefined;
        if (result.done) finished = true;
        else buffer.push(result.value);
        wake?.();
        fill();
      },
      (error: unknown) => {
        fetching = undefined;
        failure = { error };
        wake?.();
      },
    );
  };

  const waitForFetch = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      wake = () => {
        wake = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });

  let completed = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      fill();
      if (buffer.length > 0) {
        const page = buffer.shift();
        // Fetch the next page while the consumer works on this one.
        fill();
        yield page;
        continue;
      }
      if (failure !== undefined) throw failure.error;
      if (finished) {
        completed = true;
        return;
      }
      await waitForFetch();
    }
  } finally {
    wake = undefined;
    if (!completed && failure === undefined) {
      // Stopped early (abort, a failing page downstream): let the plugin release what it holds.
      // Never awaited: a plugin that hangs would hang us too.
      const closing = fetching === undefined ? Promise.resolve().then(() => iterator.return?.()) : fetching.then(() => iterator.return?.());
      closing.catch(() => undefined);
    } else if (failure !== undefined && isTimeout(failure.error)) {
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => undefined);
    }
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof MarinaError && error.code === 'RESYNC_PAGE_TIMEOUT';
}
