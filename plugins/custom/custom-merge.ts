/**
 * Runs up to `concurrency` of the iterables `sources` yields at once and yields their values as
 * they come. Sources are pulled only when a slot is free, and each running iterable is advanced
 * only after its previous value was taken, so at most `concurrency` values wait at any time,
 * however many iterables there are. The first error stops everything and is rethrown; stopping
 * the merged iterator early closes every running iterable.
 */
export async function* mergeConcurrently<T>(sources: AsyncIterable<AsyncIterable<T>>, concurrency: number): AsyncGenerator<T> {
  const limit = Math.max(1, Math.floor(concurrency));
  const sourceIterator = sources[Symbol.asyncIterator]();
  type Pending = { kind: 'source'; result: IteratorResult<AsyncIterable<T>> } | { kind: 'value'; iterator: AsyncIterator<T>; result: IteratorResult<T> };
  const running = new Map<AsyncIterator<T>, Promise<Pending>>();
  let sourcePull: Promise<Pending> | undefined;
  let sourceDone = false;

  const advance = (iterator: AsyncIterator<T>) => {
    running.set(
      iterator,
      iterator.next().then((result): Pending => ({ kind: 'value', iterator, result })),
    );
  };

  try {
    for (;;) {
      if (!sourceDone && sourcePull === undefined && running.size < limit) {
        sourcePull = sourceIterator.next().then((result): Pending => ({ kind: 'source', result }));
      }
      const waiting = [...running.values(), ...(sourcePull ? [sourcePull] : [])];
      if (waiting.length === 0) return;
      const settled = await Promise.race(waiting);
      if (settled.kind === 'source') {
        sourcePull = undefined;
        if (settled.result.done) sourceDone = true;
        else advance(settled.result.value[Symbol.asyncIterator]());
        continue;
      }
      const { iterator, result } = settled;
      if (result.done) {
        running.delete(iterator);
        continue;
      }
      yield result.value;
      advance(iterator);
    }
  } finally {
    // An error or an early stop: close what still runs (their pending values are dropped). Not
    // awaited: a running iterable finishes its current step first, which the caller cuts short
    // by aborting the requests' signal.
    for (const [iterator, pending] of running) {
      void pending.catch(() => undefined);
      void iterator.return?.()?.catch(() => undefined);
    }
    running.clear();
    if (sourcePull) void sourcePull.catch(() => undefined);
    if (!sourceDone) void sourceIterator.return?.()?.catch(() => undefined);
  }
}
