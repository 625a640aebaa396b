import { pino } from 'pino';
import { isMarinaError } from '../../src/errors.js';
import type { RawRecord } from '../../src/sdk/index.js';
import { createResyncScheduler } from '../../src/sync/scheduler.js';
import { resyncRequest, setUpFake } from './fake-test-support.js';

describe('fake plugin under the resync scheduler', () => {
  it('a hanging resync is released by a newer one, which then completes', async () => {
    const { instance } = await setUpFake({ entityCount: { 'fake-person': 30 }, pageSize: 10, failAtPage: 2, failMode: 'hang' });
    const handler = instance.resync['fake-person']!;
    const pagesPerRun: RawRecord[][][] = [];
    let attempt = 0;
    const scheduler = createResyncScheduler({ maxConcurrentRuns: 2, logger: pino({ level: 'silent' }) });
    scheduler.register('fake', {
      async run(signal) {
        const pages: RawRecord[][] = [];
        pagesPerRun.push(pages);
        // The first attempt meets the hang; later ones read a single page, before the failure.
        const limit = attempt++ === 0 ? Number.POSITIVE_INFINITY : 1;
        for await (const page of handler(resyncRequest('fake-person', signal))) {
          pages.push(page);
          if (pages.length >= limit) return;
        }
      },
    });
    const first = scheduler.trigger('fake', { source: 'listener' });
    await new Promise<void>((resolve) => {
      const poll = (): void => (pagesPerRun[0]?.length === 1 ? resolve() : void setImmediate(poll));
      poll();
    });
    const second = scheduler.trigger('fake', { source: 'admin' });
    const aborted = await first.done;
    expect(aborted).toMatchObject({ status: 'aborted', abortedBy: 'superseded' });
    expect(isMarinaError(aborted.error, 'RESYNC_ABORTED')).toBe(true);
    expect(await second.done).toMatchObject({ status: 'succeeded' });
    expect(pagesPerRun.map((pages) => pages.length)).toEqual([1, 1]);
    await scheduler.stop();
  });
});
