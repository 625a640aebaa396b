import { setImmediate as nextTick } from 'node:timers/promises';
import { FakeApiError } from './fake-pages.js';
import { collectPages, resyncRequest, setUpFake } from './fake-test-support.js';

const counts = { 'fake-person': 50, 'fake-team': 50 };

/** Whether `promise` is still pending after the event loop has had a few turns. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turn = 0; turn < 5; turn++) await nextTick();
  return !settled;
}

describe('fake plugin: failure injection and abort', () => {
  it('throws at page N after serving the pages before it', async () => {
    const { instance } = await setUpFake({ entityCount: counts, pageSize: 10, failAtPage: 3 });
    const handler = instance.resync['fake-person']!;
    const served: number[] = [];
    const run = (async () => {
      for await (const page of handler(resyncRequest('fake-person', new AbortController().signal))) served.push(page.length);
    })();
    await expect(run).rejects.toThrow(FakeApiError);
    await expect(run).rejects.toThrow('Fake third-party API failed on page 3 of fake-person');
    expect(served).toEqual([10, 10]);
  });

  it('fails only failKind when it is set', async () => {
    const { instance } = await setUpFake({ entityCount: counts, pageSize: 10, failAtPage: 2, failKind: 'fake-team' });
    expect((await collectPages(instance, 'fake-person')).flat()).toHaveLength(50);
    await expect(collectPages(instance, 'fake-team')).rejects.toMatchObject({ name: 'FakeApiError', kind: 'fake-team', page: 2 });
  });

  it('does not fail when failAtPage is beyond the last page', async () => {
    const { instance } = await setUpFake({ entityCount: counts, pageSize: 10, failAtPage: 6 });
    expect((await collectPages(instance, 'fake-person')).flat()).toHaveLength(50);
  });

  it('hangs at page N until the signal fires, then rejects with the abort reason', async () => {
    const { instance } = await setUpFake({ entityCount: counts, pageSize: 10, failAtPage: 2, failMode: 'hang' });
    const controller = new AbortController();
    const iterator = instance.resync['fake-person']!(resyncRequest('fake-person', controller.signal))[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toHaveLength(10);
    const second = iterator.next();
    expect(await isPending(second)).toBe(true);
    const reason = new Error('newer resync');
    controller.abort(reason);
    await expect(second).rejects.toBe(reason);
    // An aborted handler yields nothing more.
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('ends a long page latency as soon as the signal fires', async () => {
    const { instance } = await setUpFake({ entityCount: counts, pageLatencyMs: 600_000 });
    const controller = new AbortController();
    const iterator = instance.resync['fake-person']!(resyncRequest('fake-person', controller.signal))[Symbol.asyncIterator]();
    const first = iterator.next();
    expect(await isPending(first)).toBe(true);
    controller.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops yielding when the signal fires between pages', async () => {
    const { instance } = await setUpFake({ entityCount: counts, pageSize: 5 });
    const controller = new AbortController();
    const served: number[] = [];
    const run = (async () => {
      for await (const page of instance.resync['fake-person']!(resyncRequest('fake-person', controller.signal))) {
        served.push(page.length);
        if (served.length === 2) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(served).toEqual([5, 5]);
  });

  it('refuses to start on an already aborted signal', async () => {
    const { instance } = await setUpFake({ entityCount: counts });
    const iterator = instance.resync['fake-person']!(resyncRequest('fake-person', AbortSignal.abort()))[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
  });
});
