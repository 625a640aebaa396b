import { startMockRestApi, type MockRestApi } from '../../test/support/mock-rest-api/index.js';
import { TEAMS } from '../../test/support/mock-rest-api/records.js';
import { eventually } from '../../test/support/eventually.js';
import { collectPages, collectRecords, setUpCustom } from './custom-test-support.js';

let mock: MockRestApi;
beforeAll(async () => {
  mock = await startMockRestApi();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.reset();
});

const plugin = async (config: Record<string, unknown> = {}) => (await setUpCustom({ baseUrl: mock.url, ...config })).instance;

describe('custom plugin: the selector', () => {
  test('the kind is the endpoint path, joined to baseUrl whatever the slashes; selector.endpoint replaces it', async () => {
    const instance = await plugin({ baseUrl: `${mock.url}/` });
    expect(await collectRecords(instance, 'none/items', { query_params: { total: 2 } })).toHaveLength(2);
    expect(await collectRecords(instance, '//none/items', { query_params: { total: 1 } })).toHaveLength(1);
    expect(await collectRecords(instance, 'users', { endpoint: '/none/items', query_params: { total: 3 } })).toHaveLength(3);
    expect(mock.requests.map((r) => r.path)).toEqual(['/none/items', '/none/items', '/none/items']);
  });

  test('method, query_params (numbers, booleans, lists), headers and a JSON body are sent', async () => {
    const instance = await plugin();
    const [echo] = await collectRecords(instance, '/echo', {
      method: 'post',
      query_params: { active: true, limit: 100, tag: ['a', 'b'] },
      headers: { 'X-Version': 'v2', Accept: 'application/json' },
      body: { filter: { state: 'open' } },
    });
    expect(echo).toMatchObject({ method: 'POST', query: { active: 'true', limit: '100', tag: ['a', 'b'] }, body: { filter: { state: 'open' } } });
    expect((echo!['headers'] as Record<string, string>)['x-version']).toBe('v2');
  });

  test('a body with GET is sent (Ocean sends whatever the selector says)', async () => {
    const [echo] = await collectRecords(await plugin(), '/echo', { body: { q: 1 } });
    // fastify does not parse GET bodies; the request's headers show one was sent.
    expect(echo).toMatchObject({ method: 'GET', headers: { 'content-type': 'application/json', 'content-length': String('{"q":1}'.length) } });
  });

  test('data_path: jq to the array; an object is one record; null is none; several outputs are each a record', async () => {
    const instance = await plugin();
    expect(await collectRecords(instance, '/none/items', { data_path: '.data', query_params: { total: 4, style: 'wrapped' } })).toHaveLength(4);
    expect(await collectRecords(instance, '/none/items', { data_path: '.data[0]', query_params: { total: 4, style: 'wrapped' } })).toEqual([expect.objectContaining({ id: 'item-000000' })]);
    expect(await collectRecords(instance, '/none/items', { data_path: '.missing', query_params: { total: 4, style: 'wrapped' } })).toEqual([]);
    // Not in the fast subset: jq-wasm, with every output kept (Ocean keeps only the first).
    const picked = await collectRecords(instance, '/none/items', { data_path: '.data[] | select(.status == "inactive")', query_params: { total: 9, style: 'wrapped' } });
    expect(picked.map((r) => r.index)).toEqual([2, 5, 8]);
    expect(await collectRecords(instance, '/none/items', { data_path: '[.data[] | {id, upper: (.name | ascii_upcase)}]', query_params: { total: 2, style: 'wrapped' } })).toEqual([
      { id: 'item-000000', upper: 'ITEM 0' },
      { id: 'item-000001', upper: 'ITEM 1' },
    ]);
  });

  test('no data_path: a list is the records, an object is one record with a warning', async () => {
    const { instance, logger } = await setUpCustom({ baseUrl: mock.url });
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 3 } })).toHaveLength(3);
    const [whole] = await collectRecords(instance, '/none/items', { query_params: { total: 3, style: 'wrapped' } });
    expect(Object.keys(whole!)).toEqual(['data']);
    expect(logger.lines.some((line) => line.level === 'warn' && String(line.msg).includes('selector.data_path is not set'))).toBe(true);
  });

  test('a data_path that does not reach records, a jq error and a jq typo are errors naming the block', async () => {
    const instance = await plugin();
    await expect(collectRecords(instance, '/none/items', { data_path: '.data[0].name', query_params: { total: 2, style: 'wrapped' } })).rejects.toMatchObject({
      code: 'CUSTOM_RESPONSE_INVALID',
      message: expect.stringContaining('resource 0 (kind /none/items) selector: data_path .data[0].name of http'),
    });
    await expect(collectRecords(instance, '/none/items', { data_path: '.data.x', query_params: { total: 2, style: 'wrapped' } })).rejects.toMatchObject({
      code: 'CUSTOM_JQ_ERROR',
      message: expect.stringContaining('Cannot index array with "x"'),
    });
    await expect(collectRecords(instance, '/none/items', { data_path: '.data | map(' })).rejects.toMatchObject({
      code: 'CUSTOM_SELECTOR_INVALID',
      message: expect.stringContaining('resource 0 (kind /none/items) selector.data_path: jq expression ".data | map(" does not compile'),
    });
    await expect(collectRecords(instance, '/none/items', { method: 'FETCH' })).rejects.toMatchObject({ code: 'CUSTOM_SELECTOR_INVALID', message: expect.stringContaining('must be one of GET, POST, PUT, PATCH, DELETE') });
  });

  test("path_parameters: discovery endpoint, field and filter; each value's records carry __<param>", async () => {
    const records = await collectRecords(await plugin(), '/api/v1/teams/{team_id}/members', {
      data_path: '.members',
      path_parameters: { team_id: { endpoint: '/api/v1/teams', data_path: '.teams', field: '.id', filter: '.status == "active"' } },
    });
    const active = TEAMS.filter((team) => team.status === 'active').map((team) => team.id);
    expect([...new Set(records.map((r) => r['__team_id']))].sort()).toEqual(active);
    expect(records.every((r) => r['team_id'] === r['__team_id'])).toBe(true);
    expect(mock.requests.filter((r) => r.path === '/api/v1/teams/team-4/members')).toEqual([]);
  });

  test('path_parameters: jq beyond the fast subset (jq-wasm, one call per discovery page)', async () => {
    const records = await collectRecords(await plugin(), '/api/v1/teams/{team_id}/members', {
      data_path: '.members',
      path_parameters: { team_id: { endpoint: '/api/v1/teams', data_path: '.teams', field: '.name | ascii_downcase | sub(" "; "-")', filter: '.member_count > 2 and (.id | test("team-[01]"))' } },
    });
    expect([...new Set(records.map((r) => r['__team_id']))].sort()).toEqual(['team-0', 'team-1']);
  });

  test('path_parameters: values are URL-encoded into the path (Ocean inserts them as they are)', async () => {
    const records = await collectRecords(await plugin(), '/echo/{id}', { path_parameters: { id: { endpoint: '/odd-ids', field: '.id' } } });
    expect(records.map((r) => [r['path'], r['__id']])).toEqual([
      ['/echo/a%20b%2Fc', 'a b/c'],
      ['/echo/x%3Fy%23z', 'x?y#z'],
    ]);
  });

  test('path_parameters: the discovery endpoint is paginated like any other', async () => {
    const records = await collectRecords(await plugin({ paginationType: 'offset', pageSize: '2' }), '/api/v1/teams/{team_id}/members', {
      data_path: '.members',
      path_parameters: { team_id: { endpoint: '/offset/items', query_params: { total: 5, style: 'list' }, field: '.team_id' } },
    });
    // Items 0..4 have teams 0..4: five discovered values, three members each. The members
    // endpoint ignores offset: its second page repeats the first, which ends its pagination.
    expect(records).toHaveLength(15);
    expect(mock.requests.filter((r) => r.path === '/offset/items')).toHaveLength(3);
  });

  test("path_parameters without data_path: a list's elements, or the response's only array of objects (Ocean's Zendesk example)", async () => {
    const records = await collectRecords(await plugin(), '/api/v1/teams/{team_id}/members', { data_path: '.members', path_parameters: { team_id: { endpoint: '/api/v1/teams', field: '.id' } } });
    expect(records).toHaveLength(15);
  });

  test('nested path parameters: a later discovery endpoint uses the earlier value', async () => {
    mock.requests.length = 0;
    const records = await collectRecords(await plugin(), '/api/v1/teams/{team_id}/members/{user_id}/echo', {
      path_parameters: {
        team_id: { endpoint: '/api/v1/teams', data_path: '.teams', field: '.id', filter: '.id == "team-1" or .id == "team-2"' },
        user_id: { endpoint: '/api/v1/teams/{team_id}/members', data_path: '.members', field: '.user_id', filter: '.role == "lead"' },
      },
    }).catch((error: unknown) => error);
    // The mock has no such leaf route: every concrete URL is a 404, skipped as "gone since discovery".
    expect(records).toEqual([]);
    expect(mock.requests.map((r) => r.path).filter((p) => p.endsWith('/echo')).sort()).toEqual(['/api/v1/teams/team-1/members/team-1-user-0/echo', '/api/v1/teams/team-2/members/team-2-user-0/echo']);
  });

  test('a missing path parameter and a discovery endpoint using a later parameter are selector errors', async () => {
    const instance = await plugin();
    await expect(collectRecords(instance, '/teams/{team_id}/members')).rejects.toMatchObject({ code: 'CUSTOM_SELECTOR_INVALID', message: expect.stringContaining('has {team_id} but selector.path_parameters.team_id is missing') });
    await expect(
      collectRecords(instance, '/a/{x}/b/{y}', { path_parameters: { x: { endpoint: '/list/{y}', field: '.id' }, y: { endpoint: '/list', field: '.id' } } }),
    ).rejects.toMatchObject({ code: 'CUSTOM_SELECTOR_INVALID', message: expect.stringContaining('{y} is not a parameter resolved before x') });
    await expect(collectRecords(instance, '/a/{x}', { path_parameters: { x: { endpoint: '/list' } } })).rejects.toMatchObject({ message: expect.stringContaining('needs field') });
  });

  test('a 404 on a discovered endpoint is skipped; on a static endpoint it fails the kind', async () => {
    const instance = await plugin();
    mock.inject({ path: '/api/v1/teams/team-1/members', status: 404 });
    const records = await collectRecords(instance, '/api/v1/teams/{team_id}/members', { data_path: '.members', path_parameters: { team_id: { endpoint: '/api/v1/teams', data_path: '.teams', field: '.id' } } });
    expect([...new Set(records.map((r) => r['__team_id']))].sort()).toEqual(['team-0', 'team-2', 'team-3', 'team-4']);
    await expect(collectRecords(instance, '/nowhere')).rejects.toMatchObject({ code: 'CUSTOM_HTTP_ERROR', status: 404 });
  });

  test('path-parameter endpoints are fetched up to maxConcurrentRequests at a time', async () => {
    const gate = mock.hold('/echo/');
    const instance = await plugin({ maxConcurrentRequests: '3' });
    const collecting = collectRecords(instance, '/echo/{id}', { path_parameters: { id: { endpoint: '/offset/items', query_params: { total: 10, style: 'list' }, field: '.id' } } });
    await eventually(() => gate.waiting === 3, 'three requests at the gate');
    gate.open();
    expect(await collecting).toHaveLength(10);
    expect(gate.peak).toBe(3);
  });
});

test('pages stay one response each (no buffering across pages)', async () => {
  const instance = (await setUpCustom({ baseUrl: mock.url, paginationType: 'offset', pageSize: '7' })).instance;
  const pages = await collectPages(instance, '/offset/items', { data_path: '.data', query_params: { total: 20 } });
  expect(pages.map((p) => p.length)).toEqual([7, 7, 6]);
});
