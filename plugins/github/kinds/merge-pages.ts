/**
 * Runs up to `concurrency` page sources at once and yields their pages as they come, so a
 * resync walks many repositories in parallel while the host still pulls one page at a time:
 * each source has at most one page waiting, and sources start only as others finish.
 * The first failure stops the others and is thrown.
 */
export async function* mergePages<T>(sources: Iterable<() => AsyncIterable<T[]>> | AsyncIterable<() => AsyncIterable<T[]>>, concurrency: number): AsyncGenerator<T[]> {
  const pending = (Symbol.asyncIterator in sources ? (sources as AsyncIterable<() => AsyncIterable<T[]>>)[Symbol.asyncIterator]() : toAsync((sources as Iterable<() => AsyncIterable<T[]>>)[Symbol.iterator]()));
  type Running = { iterator: AsyncIterator<T[]>; next: Promise<{ running: Running; result: IteratorResult<T[]> }> };
  const running = new Set<Running>();
  let exhausted = false;
  const advance = (entry: Running) => {
    entry.next = entry.iterator.next().then((result) => ({ running: entry, result }));
  };
  const startMore = async () => {
    while (!exhausted && running.size < concurrency) {
      const next = await pending.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const entry = { iterator: next.value()[Symbol.asyncIterator]() } as Running;
      advance(entry);
      running.add(entry);
    }
  };
  try {
    await startMore();
    while (running.size > 0) {
      const { running: entry, result } = await Promise.race([...running].map((item) => item.next));
      if (result.done) {
        running.delete(entry);
        await startMore();
        continue;
      }
      advance(entry);
      if (result.value.length > 0) yield result.value;
    }
  } finally {
    // Stop what is still running (an abort, a failure, or the consumer stopped early).
    await Promise.allSettled([...running].map((entry) => entry.iterator.return?.()));
  }
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return { next: async () => iterator.next() };
}
