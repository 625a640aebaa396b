import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startMockRestApi, type MockRestApi } from '../../test/support/mock-rest-api/index.js';
import { resyncRequest, setUpCustom } from './custom-test-support.js';

// A full GC on demand, to read the live heap rather than garbage not collected yet.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

let mock: MockRestApi;
beforeAll(async () => {
  // About 330 bytes of JSON per record; the mock keeps almost nothing of what it serves.
  mock = await startMockRestApi({ padBytes: 200, logLimit: 10 });
});
afterAll(async () => {
  await mock.close();
});

describe('custom plugin: streaming', () => {
  test('100,000 records stream page by page in bounded memory', async () => {
    const { instance } = await setUpCustom({ baseUrl: mock.url, paginationType: 'offset', pageSize: '500' });
    const pages = instance.resync['*']!(resyncRequest('/offset/items', { data_path: '.data', query_params: { total: 100_000 } }));
    let records = 0;
    let pageCount = 0;
    let baseline = 0;
    let peakGrowth = 0;
    let lastId = '';
    for await (const page of pages) {
      records += page.length;
      lastId = String(page[page.length - 1]!['id']);
      pageCount++;
      if (pageCount === 5) baseline = liveHeap();
      else if (pageCount > 5 && pageCount % 20 === 0) peakGrowth = Math.max(peakGrowth, liveHeap() - baseline);
    }
    expect(records).toBe(100_000);
    expect(lastId).toBe('item-099999');
    // Holding what was read would grow the heap by about 41 MB (measured: 100,000 parsed records
    // of this shape); streaming keeps it to a few pages. (A listener per request left on the
    // block's signal once kept every response alive: this caught it.)
    expect(peakGrowth).toBeLessThan(12 * 1024 * 1024);
  }, 120_000);

  test('path-parameter discovery streams too: endpoints are fetched while discovery pages are still to come', async () => {
    mock.reset();
    const { instance } = await setUpCustom({ baseUrl: mock.url, paginationType: 'offset', pageSize: '100', maxConcurrentRequests: '2' });
    const handler = instance.resync['*']!;
    const pages = handler(resyncRequest('/echo/{id}', { path_parameters: { id: { endpoint: '/offset/items', data_path: '.data', query_params: { total: 5000 }, field: '.id' } } }))[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.value).toEqual([expect.objectContaining({ id: 'echo', __id: 'item-000000' })]);
    // 50 discovery pages exist; only the first ones have been read.
    expect(mock.count('/offset/items')).toBeLessThanOrEqual(2);
    await pages.return?.(undefined);
  });
});
