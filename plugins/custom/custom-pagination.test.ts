import { startMockRestApi, type MockRestApi } from '../../test/support/mock-rest-api/index.js';
import { itemId } from '../../test/support/mock-rest-api/records.js';
import { collectPages, collectRecords, setUpCustom } from './custom-test-support.js';

let mock: MockRestApi;
beforeAll(async () => {
  mock = await startMockRestApi();
});
afterAll(async () => {
  await mock.close();
});

const ids = (count: number, from = 0) => Array.from({ length: count }, (_, i) => itemId(from + i));
const queries = (path: string) => mock.requests.filter((request) => request.path === path).map((request) => request.query);

async function run(config: Record<string, unknown>, kind: string, selector: Record<string, unknown>) {
  mock.requests.length = 0;
  const { instance } = await setUpCustom({ baseUrl: mock.url, ...config });
  return collectPages(instance, kind, selector);
}

describe('custom plugin: pagination', () => {
  test('none: one request; a bare list is the records', async () => {
    const pages = await run({}, '/none/items', { query_params: { total: 7 } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(7));
    expect(queries('/none/items')).toEqual([{ total: '7' }]);
  });

  test('offset: offset and limit from 0 by pageSize; a page shorter than pageSize ends it when the response has no has-more field', async () => {
    const pages = await run({ paginationType: 'offset', pageSize: '10' }, '/offset/items', { data_path: '.data', query_params: { total: 25 } });
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((r) => r.id)).toEqual(ids(25));
    expect(queries('/offset/items')).toEqual([0, 10, 20].map((offset) => ({ total: '25', offset: String(offset), limit: '10' })));
  });

  test.each(['has_more', 'hasMore'])('offset: a %s field decides (no extra empty request on an exact multiple)', async (style) => {
    const pages = await run({ paginationType: 'offset', pageSize: 10 }, '/offset/items', { data_path: '.data', query_params: { total: 20, style } });
    expect(pages.flat()).toHaveLength(20);
    expect(queries('/offset/items')).toHaveLength(2);
  });

  test('offset: paginationParam and sizeParam rename the parameters; a bare list response pages too', async () => {
    const pages = await run({ paginationType: 'offset', pageSize: '4', paginationParam: 'skip', sizeParam: 'take' }, '/offset/items', { query_params: { total: 10, style: 'list' } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(10));
    expect(queries('/offset/items').map((q) => [q['skip'], q['take']])).toEqual([['0', '4'], ['4', '4'], ['8', '4']]);
  });

  test("offset: Ocean's older names (offsetParam, limitParam) still work, with a warning", async () => {
    mock.requests.length = 0;
    const { instance, logger } = await setUpCustom({ baseUrl: mock.url, paginationType: 'offset', pageSize: '5', offsetParam: 'skip', limitParam: 'take' });
    expect(await collectRecords(instance, '/offset/items', { query_params: { total: 7, style: 'list' } })).toHaveLength(7);
    expect(queries('/offset/items').map((q) => [q['skip'], q['take']])).toEqual([['0', '5'], ['5', '5']]);
    expect(logger.lines.find((line) => line.level === 'warn' && String(line.msg).includes('older Ocean Custom setting names'))?.fields['settings']).toEqual(['offsetParam', 'limitParam']);
  });

  test('page: page and size from startPage (default 1); a short page ends it', async () => {
    const pages = await run({ paginationType: 'page', pageSize: '10' }, '/page/items', { data_path: '.data', query_params: { total: 23 } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(23));
    expect(queries('/page/items').map((q) => [q['page'], q['size']])).toEqual([['1', '10'], ['2', '10'], ['3', '10']]);
  });

  test('page: startPage 0, next_page field', async () => {
    const pages = await run({ paginationType: 'page', pageSize: '10', startPage: '0' }, '/page/items', { data_path: '.data', query_params: { total: 20, start: 0, style: 'next_page' } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(20));
    expect(queries('/page/items').map((q) => q['page'])).toEqual(['0', '1']);
  });

  test("page: lastPagePath (Spring's data.last) ends it; hasMorePath wins when both are set", async () => {
    const spring = await run({ paginationType: 'page', pageSize: '10', lastPagePath: 'data.last' }, '/page/items', { data_path: '.data.content', query_params: { total: 20, style: 'spring' } });
    expect(spring.flat()).toHaveLength(20);
    expect(queries('/page/items')).toHaveLength(2);
    // hasMorePath points at a field that is never there: falsy, so one page only although data.last says more.
    const both = await run({ paginationType: 'page', pageSize: '10', lastPagePath: 'data.last', hasMorePath: 'data.more' }, '/page/items', { data_path: '.data.content', query_params: { total: 20, style: 'spring' } });
    expect(both.flat()).toHaveLength(10);
  });

  test('page: pageParam alias and a list body', async () => {
    const pages = await run({ paginationType: 'page', pageSize: '3', paginationParam: 'pageNumber', sizeParam: 'per_page' }, '/page/items', { query_params: { total: 7, style: 'list' } });
    expect(pages.flat()).toHaveLength(7);
    expect(queries('/page/items').map((q) => [q['pageNumber'], q['per_page']])).toEqual([['1', '3'], ['2', '3'], ['3', '3']]);
  });

  test('cursor: next_cursor and has_more by default; the first request has no cursor', async () => {
    const pages = await run({ paginationType: 'cursor', pageSize: '10' }, '/cursor/items', { data_path: '.data', query_params: { total: 25 } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(25));
    const sent = queries('/cursor/items');
    expect(sent[0]).toEqual({ total: '25', limit: '10' });
    expect(sent.slice(1).every((q) => typeof q['cursor'] === 'string')).toBe(true);
    expect(sent).toHaveLength(3);
  });

  test('cursor: meta.after_cursor / meta.has_more by default', async () => {
    expect((await run({ paginationType: 'cursor', pageSize: '10' }, '/cursor/items', { data_path: '.data', query_params: { total: 15, style: 'meta' } })).flat()).toHaveLength(15);
  });

  test('cursor: cursorPath, hasMorePath, paginationParam and sizeParam', async () => {
    const pages = await run(
      { paginationType: 'cursor', pageSize: '6', cursorPath: 'pagination.next', hasMorePath: 'pagination.more', paginationParam: 'page[after]', sizeParam: 'page[size]' },
      '/cursor/items',
      { data_path: '.items', query_params: { total: 14, style: 'custom' } },
    );
    expect(pages.map((p) => p.length)).toEqual([6, 6, 2]);
    expect(queries('/cursor/items')[1]).toEqual(expect.objectContaining({ 'page[size]': '6', 'page[after]': expect.any(String) }));
  });

  test('cursor: without any has-more field the cursor decides (Ocean stops after the first page)', async () => {
    expect((await run({ paginationType: 'cursor', pageSize: '10' }, '/cursor/items', { data_path: '.data', query_params: { total: 25, style: 'cursor_only' } })).flat()).toHaveLength(25);
  });

  test('cursor: a cursor that does not advance is an error, not an endless loop', async () => {
    await expect(run({ paginationType: 'cursor', pageSize: '10' }, '/cursor/items', { data_path: '.data', query_params: { style: 'stuck' } })).rejects.toMatchObject({
      code: 'CUSTOM_PAGINATION_ERROR',
      message: expect.stringContaining('gave the same cursor twice'),
    });
  });

  test('next_link: @odata.nextLink by default; the link carries the query, the selector parameters are not added again', async () => {
    const pages = await run({ paginationType: 'next_link' }, '/next-link/items', { data_path: '.value', query_params: { total: 25, $top: 10 } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(25));
    expect(queries('/next-link/items').map((q) => q['$skip'] ?? '0')).toEqual(['0', '10', '20']);
  });

  test('next_link: nextLinkPath as a dotted path, a relative link, sizeParam sent when set', async () => {
    const pages = await run({ paginationType: 'next_link', nextLinkPath: 'links.next', sizeParam: 'limit', pageSize: '8' }, '/next-link/items', { data_path: '.data', query_params: { total: 20, style: 'links' } });
    expect(pages.map((p) => p.length)).toEqual([8, 8, 4]);
    expect(queries('/next-link/items')[0]).toEqual({ total: '20', style: 'links', limit: '8' });
  });

  test("next_link: a link to another origin is refused (the API's credentials stay with the API)", async () => {
    await expect(run({ paginationType: 'next_link', authType: 'bearer_token', apiToken: 't' }, '/next-link/items', { data_path: '.value', query_params: { style: 'elsewhere' } })).rejects.toMatchObject({
      code: 'CUSTOM_PAGINATION_ERROR',
      message: expect.stringContaining('points to another origin (https://elsewhere.example.com'),
    });
  });

  test('header_link: the Link header rel="next"; headerLinkRel picks another rel', async () => {
    const pages = await run({ paginationType: 'header_link' }, '/header-link/items', { query_params: { total: 25, per_page: 10 } });
    expect(pages.flat().map((r) => r.id)).toEqual(ids(25));
    const custom = await run({ paginationType: 'header_link', headerLinkRel: 'nextPage' }, '/header-link/items', { query_params: { total: 12, per_page: 5, rel: 'nextPage' } });
    expect(custom.map((p) => p.length)).toEqual([5, 5, 2]);
    // With the default rel the renamed link is not found: one page.
    expect((await run({ paginationType: 'header_link' }, '/header-link/items', { query_params: { total: 12, per_page: 5, rel: 'nextPage' } })).flat()).toHaveLength(5);
  });

  test('hasMorePath works with next_link too: falsy stops', async () => {
    const pages = await run({ paginationType: 'next_link', hasMorePath: 'more' }, '/next-link/items', { data_path: '.value', query_params: { total: 25, $top: 10 } });
    expect(pages.flat()).toHaveLength(10);
  });
});
