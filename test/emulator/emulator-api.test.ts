import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createConformanceRecord, createPortTestClient, OCEAN_UA, type PortTestClient } from './port-test-client.js';

let emulator: Emulator;
let port: PortTestClient;
const conformance = createConformanceRecord();
const client = (credentials?: { clientId: string; clientSecret: string }) => createPortTestClient(emulator.url, credentials, conformance);

const serviceBlueprint = {
  identifier: 'service',
  title: 'Service',
  schema: {
    properties: {
      language: { type: 'string', enum: ['ts', 'py', 'go'] },
      stars: { type: 'number', minimum: 0 },
      url: { type: 'string', format: 'url' },
      released: { type: 'string', format: 'date-time' },
      tags: { type: 'array', items: { type: 'string' } },
      archived: { type: 'boolean' },
    },
    required: ['language'],
  },
  relations: {
    team: { target: 'squad', required: false, many: false },
    deps: { target: 'service', required: false, many: true },
  },
};

beforeAll(async () => {
  emulator = await startEmulator();
  port = client();
  expect((await port.call('POST', '/v1/blueprints', { identifier: 'squad', title: 'Squad', schema: { properties: {} } })).status).toBe(201);
  expect((await port.call('POST', '/v1/blueprints', serviceBlueprint)).status).toBe(201);
});

afterAll(async () => {
  await emulator.close();
});

describe('auth', () => {
  test('issues a Bearer JWT with isMachine, the same one until expiry', async () => {
    const a = await port.call('POST', '/v1/auth/access_token', { clientId: 'x', clientSecret: 'y' }, { token: null });
    const b = await port.call('POST', '/v1/auth/access_token', { clientId: 'x', clientSecret: 'y' }, { token: null });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ ok: true, tokenType: 'Bearer', expiresIn: 10800 });
    expect(b.body.accessToken).toBe(a.body.accessToken);
    const payload = JSON.parse(Buffer.from(String(a.body.accessToken).split('.')[1] as string, 'base64url').toString());
    expect(payload.isMachine).toBe(true);
  });

  test('rejects missing, invalid and expired tokens with 401 in the envelope', async () => {
    const missing = await port.call('GET', '/v1/blueprints', undefined, { token: null });
    expect((await port.call('GET', '/v1/organization', undefined, { token: null })).status).toBe(401);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ ok: false, error: 'unauthorized' });
    expect((await port.call('GET', '/v1/blueprints', undefined, { token: 'nope' })).status).toBe(401);

    const other = client({ clientId: 'short', clientSecret: 'lived' });
    const token = await other.token();
    expect((await other.call('GET', '/v1/blueprints', undefined, { token })).status).toBe(200);
    emulator.expireTokens();
    expect((await other.call('GET', '/v1/blueprints', undefined, { token })).status).toBe(401);
    const fresh = await other.call('POST', '/v1/auth/access_token', { clientId: 'short', clientSecret: 'lived' }, { token: null });
    expect(fresh.body.accessToken).not.toBe(token);
    // Our main client's token was expired too: get a new one for the remaining tests.
    port = client();
  });

  test('checks configured credentials and never echoes them', async () => {
    const strict = await startEmulator({ credentials: [{ clientId: 'id1', clientSecret: 's3cr3t' }] });
    try {
      const client = createPortTestClient(strict.url, { clientId: 'id1', clientSecret: 'wrong-secret' }, conformance);
      const denied = await client.call('POST', '/v1/auth/access_token', { clientId: 'id1', clientSecret: 'wrong-secret' }, { token: null });
      expect(denied.status).toBe(401);
      expect(JSON.stringify(denied.body)).not.toContain('wrong-secret');
      const allowed = await client.call('POST', '/v1/auth/access_token', { clientId: 'id1', clientSecret: 's3cr3t' }, { token: null });
      expect(allowed.status).toBe(200);
      const extra = await client.call('POST', '/v1/auth/access_token', { clientId: 'id1', clientSecret: 's3cr3t', more: 1 }, { token: null });
      expect(extra.status).toBe(422);
    } finally {
      await strict.close();
    }
  });
});

describe('blueprints', () => {
  test('get, list, patch, duplicate and 404', async () => {
    expect((await port.call('GET', '/v1/blueprints/service')).body.blueprint.relations.team).toEqual({ target: 'squad', required: false, many: false });
    expect((await port.call('GET', '/v1/blueprints')).body.blueprints.map((b: { identifier: string }) => b.identifier).sort()).toEqual(['service', 'squad']);
    const dup = await port.call('POST', '/v1/blueprints', { identifier: 'squad', title: 'Again', schema: { properties: {} } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('identifier_taken');
    const missing = await port.call('GET', '/v1/blueprints/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ ok: false, error: 'not_found' });
    const patched = await port.call('PATCH', '/v1/blueprints/squad', { title: 'Squad!', schema: { properties: { size: { type: 'number' } } } });
    expect(patched.status).toBe(200);
    expect(patched.body.blueprint).toMatchObject({ title: 'Squad!', createdBy: 'test-client' });
  });

  test('rejects bad identifiers, types, formats and unknown relation targets with 422', async () => {
    const cases: [unknown, string][] = [
      [{ identifier: 'bad id', title: 'x', schema: { properties: {} } }, 'identifier'],
      [{ identifier: '..', title: 'x', schema: { properties: {} } }, 'identifier'],
      [{ identifier: 'a=b', title: 'x', schema: { properties: {} } }, 'identifier'],
      [{ identifier: 'ok', title: '', schema: { properties: {} } }, 'title'],
      [{ identifier: 'ok', title: 'x', schema: { properties: { p: { type: 'integer' } } } }, 'schema/properties.p.type'],
      [{ identifier: 'ok', title: 'x', schema: { properties: { p: { type: 'string', format: 'phone' } } } }, 'format'],
      [{ identifier: 'ok', title: 'x', schema: { properties: {}, required: ['p'] } }, 'required'],
      [{ identifier: 'ok', title: 'x', schema: { properties: {} }, relations: { r: { target: 'ghost' } } }, 'ghost'],
      [{ identifier: 'ok', title: 'x', schema: { properties: {} }, extra: true }, 'extra'],
    ];
    for (const [body, mention] of cases) {
      const response = await port.call('POST', '/v1/blueprints', body);
      expect(response.status).toBe(422);
      expect(response.body.message).toContain(mention);
    }
    const typeChange = await port.call('PATCH', '/v1/blueprints/squad', { schema: { properties: { size: { type: 'string' } } } });
    expect(typeChange.status).toBe(422);
    expect(emulator.blueprints().map((b) => b.identifier).sort()).toEqual(['service', 'squad']);
  });

  test('refuses to delete a blueprint with entities or that others target', async () => {
    await port.call('POST', '/v1/blueprints', { identifier: 'temp', title: 'Temp', schema: { properties: {} } });
    await port.call('POST', '/v1/blueprints/temp/entities?upsert=true', { identifier: 't1' });
    expect((await port.call('DELETE', '/v1/blueprints/temp')).status).toBe(422);
    expect((await port.call('DELETE', '/v1/blueprints/squad')).status).toBe(422);
    const wipe = await port.call('DELETE', '/v1/blueprints/temp/all-entities?delete_blueprint=true');
    expect(wipe.status).toBe(200);
    const migration = await port.call('GET', `/v1/migrations/${wipe.body.migrationId}`);
    expect(migration.body.migration.status).toBe('COMPLETED');
    expect((await port.call('GET', '/v1/blueprints/temp')).status).toBe(404);
  });
});

describe('entities', () => {
  test('single upsert: create, 409 without upsert, replace, merge, validation_only, datasource', async () => {
    const created = await port.call('POST', '/v1/blueprints/service/entities?upsert=true', {
      identifier: 'api', title: 'API', blueprint: 'service', properties: { language: 'ts', stars: 3, tags: ['a'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.entity).toMatchObject({ identifier: 'api', title: 'API', blueprint: 'service', properties: { language: 'ts', stars: 3 } });
    expect(emulator.entity('service', 'api')?.datasource).toBe(OCEAN_UA);

    const taken = await port.call('POST', '/v1/blueprints/service/entities', { identifier: 'api', properties: { language: 'ts' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('identifier_taken');

    await port.call('POST', '/v1/blueprints/service/entities?upsert=true&merge=true', { identifier: 'api', properties: { stars: 5 } });
    expect(emulator.entity('service', 'api')).toMatchObject({ title: 'API', properties: { language: 'ts', stars: 5, tags: ['a'] } });

    await port.call('POST', '/v1/blueprints/service/entities?upsert=true&merge=false', { identifier: 'api', properties: { language: 'go' } });
    const replaced = emulator.entity('service', 'api');
    expect(replaced?.properties).toEqual({ language: 'go' });
    expect(replaced?.title).toBeUndefined();

    const dry = await port.call('POST', '/v1/blueprints/service/entities?upsert=true&validation_only=true', { identifier: 'dry', properties: { language: 'py' } });
    expect(dry.status).toBe(201);
    expect(emulator.entity('service', 'dry')).toBeUndefined();
  });

  test('validation: types, enum, format, required, many, unknown relations, identifiers', async () => {
    const bad: [unknown, number, string][] = [
      [{ identifier: 'e1', properties: { language: 'rust' } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { language: 'ts', stars: '5' } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { language: 'ts', stars: -1 } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { language: 'ts', url: 'not a url' } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { language: 'ts', released: '2024-13-45' } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { language: 'ts', tags: [1] } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { stars: 1 } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'e1', properties: { language: 'ts' }, relations: { team: ['a', 'b'] } }, 422, 'relation_many_violation'],
      [{ identifier: 'e1', properties: { language: 'ts' }, relations: { ghost: 'a' } }, 422, 'blueprint_schema_mismatch'],
      [{ identifier: 'has space', properties: { language: 'ts' } }, 422, 'invalid_request'],
      [{ identifier: 'x'.repeat(1001), properties: { language: 'ts' } }, 422, 'invalid_request'],
      [{ identifier: 'e1', blueprint: 'squad', properties: { language: 'ts' } }, 422, 'invalid_request'],
    ];
    for (const [body, status, error] of bad) {
      const response = await port.call('POST', '/v1/blueprints/service/entities?upsert=true', body);
      expect([response.status, response.body.error]).toEqual([status, error]);
    }
    expect(emulator.entity('service', 'e1')).toBeUndefined();
    expect((await port.call('POST', '/v1/blueprints/ghost/entities?upsert=true', { identifier: 'x' })).status).toBe(404);
  });

  test('missing related entities: 404 not_found, or stubs when asked', async () => {
    const missing = await port.call('POST', '/v1/blueprints/service/entities?upsert=true', { identifier: 'web', properties: { language: 'ts' }, relations: { team: 'platform' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
    expect(emulator.entity('service', 'web')).toBeUndefined();

    const ok = await port.call('POST', '/v1/blueprints/service/entities?upsert=true&create_missing_related_entities=true', {
      identifier: 'web', properties: { language: 'ts' }, relations: { team: 'platform', deps: ['api'] },
    });
    expect(ok.status).toBe(201);
    expect(emulator.entity('squad', 'platform')).toMatchObject({ identifier: 'platform', properties: {} });
  });

  test('search-query identifiers and relations resolve against the store', async () => {
    const byQuery = await port.call('POST', '/v1/blueprints/service/entities?upsert=true&merge=true', {
      identifier: { combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 'web' }] },
      properties: { stars: 9 },
      relations: { deps: { combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'go' }] } },
    });
    expect(byQuery.status).toBe(201);
    expect(byQuery.body.entity.identifier).toBe('web');
    expect(emulator.entity('service', 'web')).toMatchObject({ properties: { stars: 9 }, relations: { deps: ['api'] } });

    const bulk = await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', {
      entities: [{ identifier: { combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 'nobody' }] }, properties: { language: 'ts' } }],
    });
    expect(bulk.status).toBe(207);
    expect(bulk.body.errors[0]).toMatchObject({ index: 0, identifier: 'unknown', statusCode: 404 });
  });

  test('bulk upsert: 200, 207 with per-index results, 1..20 items, batch-internal references', async () => {
    const all = await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', {
      entities: [
        { identifier: 'b1', properties: { language: 'py' } },
        { identifier: 'b2', properties: { language: 'py' }, relations: { deps: ['b1'] } },
      ],
    });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ ok: true, errors: [], entities: [{ index: 0, identifier: 'b1', created: true }, { index: 1, identifier: 'b2', created: true }] });

    const mixed = await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', {
      entities: [{ identifier: 'b1', properties: { language: 'go' } }, { identifier: 'b3', properties: { language: 'cobol' } }, 'nonsense'],
    });
    expect(mixed.status).toBe(207);
    expect(mixed.body.entities).toEqual([{ index: 0, identifier: 'b1', created: false }]);
    expect(mixed.body.errors.map((e: { index: number; statusCode: number }) => [e.index, e.statusCode])).toEqual([[1, 422], [2, 422]]);
    expect(emulator.entity('service', 'b3')).toBeUndefined();

    expect((await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', { entities: [] })).status).toBe(422);
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ identifier: `m${i}`, properties: { language: 'go' } }));
    expect((await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', { entities: tooMany })).status).toBe(422);
    expect(emulator.entity('service', 'm0')).toBeUndefined();
  });

  test('get, patch, put, count and list', async () => {
    const one = await port.call('GET', '/v1/blueprints/service/entities/b1');
    expect(one.body.entity).toMatchObject({ identifier: 'b1', properties: { language: 'go' } });
    expect((await port.call('GET', '/v1/blueprints/service/entities/none')).status).toBe(404);
    const patched = await port.call('PATCH', '/v1/blueprints/service/entities/b1', { properties: { stars: 1 } });
    expect(patched.body.entity.properties).toEqual({ language: 'go', stars: 1 });
    const put = await port.call('PUT', '/v1/blueprints/service/entities/b1', { properties: { language: 'ts' } });
    expect(put.body.entity.properties).toEqual({ language: 'ts' });
    expect((await port.call('PUT', '/v1/blueprints/service/entities/none', { properties: { language: 'ts' } })).status).toBe(404);
    const count = await port.call('GET', '/v1/blueprints/service/entities-count');
    expect(count.body.count).toBe(emulator.entities('service').length);
    const list = await port.call('GET', '/v1/blueprints/service/entities');
    expect(list.body.entities).toHaveLength(count.body.count);
  });

  test('deletes: encoded slashes, 404, dependents and bulk all-or-nothing', async () => {
    await port.call('POST', '/v1/blueprints/service/entities?upsert=true', { identifier: 'org/repo+x:1', properties: { language: 'go' } });
    expect((await port.call('DELETE', `/v1/blueprints/service/entities/${encodeURIComponent('org/repo+x:1')}?delete_dependents=false`)).status).toBe(200);
    expect(emulator.entity('service', 'org/repo+x:1')).toBeUndefined();
    expect((await port.call('DELETE', '/v1/blueprints/service/entities/org%2Frepo%2Bx%3A1?delete_dependents=false')).status).toBe(404);
    const longest = `${'ü/'.repeat(499)}zz`;
    expect(longest).toHaveLength(1000);
    expect((await port.call('POST', '/v1/blueprints/service/entities?upsert=true', { identifier: longest, properties: { language: 'go' } })).status).toBe(201);
    expect((await port.call('GET', `/v1/blueprints/service/entities/${encodeURIComponent(longest)}`)).body.entity.identifier).toBe(longest);
    expect((await port.call('DELETE', `/v1/blueprints/service/entities/${encodeURIComponent(longest)}?delete_dependents=false`)).status).toBe(200);

    // A required relation blocks deletion unless dependents go too.
    await port.call('POST', '/v1/blueprints', { identifier: 'deploy', title: 'Deploy', schema: { properties: {} }, relations: { svc: { target: 'service', required: true, many: false } } });
    await port.call('POST', '/v1/blueprints/deploy/entities?upsert=true', { identifier: 'd1', relations: { svc: 'b2' } });
    const blocked = await port.call('POST', '/v1/blueprints/service/bulk/entities/delete?delete_dependents=false', { entities: ['b1', 'b2'] });
    expect(blocked.status).toBe(422);
    expect(blocked.body.error).toBe('required_relation');
    expect(emulator.entity('service', 'b1')).toBeDefined();

    // An optional relation (b2.deps → b1) is cleared, not a blocker.
    const okDelete = await port.call('POST', '/v1/blueprints/service/bulk/entities/delete?delete_dependents=false', { entities: ['b1', 'zzz'] });
    expect(okDelete.body).toEqual({ ok: true, deletedEntities: ['b1'] });
    expect(emulator.entity('service', 'b2')?.relations['deps']).toEqual([]);

    const cascade = await port.call('DELETE', '/v1/blueprints/service/entities/b2?delete_dependents=true');
    expect(cascade.status).toBe(200);
    expect(emulator.entity('deploy', 'd1')).toBeUndefined();
    expect((await port.call('POST', '/v1/blueprints/service/bulk/entities/delete?delete_dependents=false', { entities: [] })).status).toBe(422);
  });
});

describe('search', () => {
  beforeAll(async () => {
    const entities = [
      { identifier: 's1', title: 'One', properties: { language: 'ts', stars: 10, tags: ['x', 'y'], released: '2020-01-01T00:00:00Z' } },
      { identifier: 's2', title: 'Two', properties: { language: 'py', stars: 20, tags: ['y'] }, relations: { deps: ['s1'] } },
      { identifier: 's3', title: 'Three', properties: { language: 'go', stars: 30 }, relations: { deps: ['s2'], team: 'platform' } },
    ];
    expect((await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', { entities })).status).toBe(200);
  });

  const ids = (response: { body: { entities: { identifier: string }[] } }) => response.body.entities.map((e) => e.identifier).sort();
  const search = (rules: unknown[], combinator = 'and', query = '') =>
    port.call('POST', `/v1/entities/search${query}`, {
      combinator: 'and',
      rules: [
        { property: '$blueprint', operator: '=', value: 'service' },
        { property: '$identifier', operator: 'in', value: ['s1', 's2', 's3'] },
        { combinator, rules },
      ],
    });

  test('operators, meta properties and nested groups', async () => {
    expect(ids(await search([{ property: 'stars', operator: '>', value: 15 }]))).toEqual(['s2', 's3']);
    expect(ids(await search([{ property: 'language', operator: 'in', value: ['ts', 'go'] }]))).toEqual(['s1', 's3']);
    expect(ids(await search([{ property: '$identifier', operator: 'beginsWith', value: 's' }, { property: '$title', operator: 'endsWith', value: 'e' }]))).toEqual(['s1', 's3']);
    expect(ids(await search([{ property: 'tags', operator: 'containsAny', value: ['x'] }]))).toEqual(['s1']);
    expect(ids(await search([{ property: 'released', operator: 'between', value: { from: '2019-01-01T00:00:00Z', to: '2021-01-01T00:00:00Z' } }]))).toEqual(['s1']);
    expect(ids(await search([{ property: '$datasource', operator: 'contains', value: '/my-github/' }, { property: 'stars', operator: '<=', value: 10 }]))).toEqual(['s1']);
    expect(ids(await search([{ operator: 'relatedTo', blueprint: 'service', value: 's1', direction: 'downstream' }]))).toEqual(['s2', 's3']);
    expect(ids(await search([{ property: { path: ['deps'] }, operator: 'matchAny', value: ['s2'] }]))).toEqual(['s3']);
    expect(ids(await search([{ combinator: 'or', rules: [{ property: 'stars', operator: '=', value: 10 }, { property: 'stars', operator: '=', value: 30 }] }]))).toEqual(['s1', 's3']);
  });

  test('an empty or group matches nothing, an empty and group everything', async () => {
    expect(ids(await search([], 'or'))).toEqual([]);
    const everything = await port.call('POST', '/v1/entities/search', { combinator: 'and', rules: [] });
    expect(everything.body.entities.length).toBe(emulator.counts().entities);
  });

  test('include and exclude project the result', async () => {
    const projected = await search([{ property: '$identifier', operator: '=', value: 's1' }], 'and', '?include=identifier&include=blueprint&include=properties.stars');
    expect(projected.body.entities).toEqual([{ identifier: 's1', blueprint: 'service', properties: { stars: 10 } }]);
    const excluded = await search([{ property: '$identifier', operator: '=', value: 's1' }], 'and', '?exclude=properties&exclude=relations');
    expect(excluded.body.entities[0].properties).toBeUndefined();
    expect(emulator.entity('service', 's1')?.properties['stars']).toBe(10);
  });

  test('mirror and aggregation properties are computed on read unless excluded', async () => {
    const patched = await port.call('PATCH', '/v1/blueprints/squad', {
      aggregationProperties: { services: { title: 'Services', target: 'service', calculationSpec: { func: 'count', calculationBy: 'entities' }, type: 'number' } },
    });
    expect(patched.status).toBe(200);
    await port.call('PATCH', '/v1/blueprints/service', { mirrorProperties: { teamId: { path: 'team.$identifier' } } });
    const squad = await port.call('GET', '/v1/blueprints/squad/entities/platform');
    expect(squad.body.entity.properties.services).toBe(emulator.entities('service').filter((e) => e.relations['team'] === 'platform').length);
    const found = await search([{ property: '$identifier', operator: '=', value: 's3' }], 'and', '?include=properties');
    expect(found.body.entities[0].properties.teamId).toBe('platform');
    const bare = await search([{ property: '$identifier', operator: '=', value: 's3' }], 'and', '?exclude_calculated_properties=true');
    expect(bare.body.entities[0].properties.teamId).toBeUndefined();
    expect(emulator.entity('service', 's3')?.properties['teamId']).toBeUndefined();
  });

  test('bad queries get 422 naming the problem', async () => {
    const unknown = await port.call('POST', '/v1/entities/search', { combinator: 'and', rules: [{ property: 'x', operator: 'resembles', value: 1 }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toContain('resembles');
    expect((await port.call('POST', '/v1/entities/search', { combinator: 'xor', rules: [] })).status).toBe(422);
    expect((await port.call('POST', '/v1/entities/search', { combinator: 'and', rules: [], extra: 1 })).status).toBe(422);
  });

  test('blueprint search pages with limit, from and next', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await port.call('POST', '/v1/blueprints/service/entities/search', { limit: 2, include: ['identifier'], ...(from === undefined ? {} : { from }) });
      expect(page.status).toBe(200);
      seen.push(...page.body.entities.map((e: { identifier: string }) => e.identifier));
      from = page.body.next;
      if (from === undefined) break;
    }
    expect(seen).toEqual(emulator.entities('service').map((e) => e.identifier).sort());
    expect((await port.call('POST', '/v1/blueprints/service/entities/search', { limit: 1001 })).status).toBe(422);
  });

  test('datasource listing: prefix, suffix, before and paging', async () => {
    const marker = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await port.call('POST', '/v1/blueprints/service/entities?upsert=true', { identifier: 'late', properties: { language: 'go' } });
    await port.call('POST', '/v1/blueprints/service/entities?upsert=true', { identifier: 'other', properties: { language: 'go' } }, { headers: { 'user-agent': 'port-ocean/gitlab/1.0/gl/exporter' } });
    const collect = async (body: Record<string, unknown>) => {
      const out: string[] = [];
      let from: string | null | undefined;
      do {
        const response = await port.call('POST', '/v1/blueprints/entities/datasource-entities', { ...body, limit: 2, ...(from ? { from } : {}) });
        expect(response.status).toBe(200);
        out.push(...response.body.entities.map((e: { identifier: string }) => e.identifier));
        from = response.body.next;
      } while (from);
      return out.sort();
    };
    const mine = await collect({ datasource_prefix: 'port-ocean/github/', datasource_suffix: '/my-github/exporter' });
    expect(mine).toContain('late');
    expect(mine).not.toContain('other');
    const before = await collect({ datasource_prefix: 'port-ocean/github/', datasource_suffix: '/my-github/exporter', before: marker });
    expect(before).not.toContain('late');
    expect(before.length).toBe(mine.length - 1);
  });
});

describe('integration, organization and ingestion', () => {
  test('integration lifecycle as Ocean drives it', async () => {
    expect((await port.call('GET', '/v1/integration/gh1')).status).toBe(404);
    const created = await port.call('POST', '/v1/integration', { installationId: 'gh1', installationAppType: 'github', version: '1.0.0', config: { resources: [] }, changelogDestination: { type: 'WEBHOOK', url: 'http://127.0.0.1:1/resync' } });
    expect(created.status).toBe(201);
    expect((await port.call('POST', '/v1/integration', { installationId: 'gh1', installationAppType: 'github' })).status).toBe(409);
    const got = await port.call('GET', '/v1/integration/gh1?oceanCoreVersion=0.1&isPolling=true');
    expect(got.body.integration).toMatchObject({ identifier: 'gh1', installationAppType: 'github', installationType: 'OnPrem' });
    expect(got.body.integration.logAttributes.ingestUrl.startsWith(emulator.url)).toBe(true);

    const patched = await port.call('PATCH', '/v1/integration/gh1', { version: '1.0.1', arePortResourcesInitialized: true });
    expect(patched.body.integration).toMatchObject({ version: '1.0.1', arePortResourcesInitialized: true });
    const config = await port.call('PATCH', '/v1/integration/gh1/config', { config: { resources: [{ kind: 'repo' }] } }, { headers: { 'x-skip-resync': 'true' } });
    expect(config.body.integration.config).toEqual({ resources: [{ kind: 'repo' }] });
    const state = await port.call('PATCH', '/v1/integration/gh1/resync-state', { status: 'running', lastResyncStart: new Date().toISOString(), intervalInMinuets: 60 });
    expect(state.body.integration.resyncState).toMatchObject({ status: 'running', intervalInMinuets: 60 });
    expect(typeof state.body.integration.resyncState.updatedAt).toBe('string');
    expect((await port.call('PATCH', '/v1/integration/gh1/resync-state', { status: 'sleeping' })).status).toBe(422);

    expect((await port.call('GET', '/v1/integration/gh1/resync-request')).body.request).toBeNull();
    await fetch(`${emulator.url}/_emulator/integrations/gh1/resync-request`, { method: 'POST' });
    expect((await port.call('GET', '/v1/integration/gh1/resync-request')).body.request).toMatchObject({ id: expect.any(String) });

    expect((await port.call('POST', '/v1/integration/gh1/kinds/repo/examples', { examples: [{ a: 1 }] })).status).toBe(200);
    const ingest = got.body.integration;
    const path = (url: string) => new URL(url).pathname;
    expect((await port.call('POST', path(ingest.logAttributes.ingestUrl), { logs: [{ message: 'hi', level: 'INFO', timestamp: 'now', extra: {} }] })).status).toBe(200);
    expect((await port.call('POST', `${path(ingest.metricAttributes.ingestUrl)}/syncMetrics`, { syncKindsMetrics: [{ kind: 'repo' }] })).status).toBe(200);
    expect((await port.call('PUT', `${path(ingest.metricAttributes.ingestUrl)}/syncMetrics/resync/ev1/kind/repo-0`, { syncKindMetrics: { kind: 'repo' } })).status).toBe(200);
    expect(emulator.records('gh1', 'logs')).toEqual([{ message: 'hi', level: 'INFO', timestamp: 'now', extra: {} }]);
    expect(emulator.records('gh1', 'metrics')).toHaveLength(2);
  });

  test('organization and kafka credentials', async () => {
    const org = await port.call('GET', '/v1/organization');
    expect(org.body).toEqual({ ok: true, organization: { id: 'org_marina_local', name: expect.any(String), featureFlags: [] } });
    const kafka = await port.call('GET', '/v1/kafka-credentials');
    expect(kafka.body.credentials).toEqual({ username: expect.any(String), password: expect.any(String) });
  });
});

describe('bad input never crashes and stores nothing', () => {
  test('malformed JSON, wrong content type, oversize body, unknown route', async () => {
    const before = emulator.counts();
    const malformed = await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', undefined, { raw: '{"entities": [' });
    expect([malformed.status, malformed.body.ok, malformed.body.error]).toEqual([400, false, 'bad_request']);
    const wrongType = await port.call('POST', '/v1/blueprints/service/entities?upsert=true', undefined, { raw: 'identifier=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([wrongType.status, wrongType.body.ok]).toEqual([415, false]);
    const huge = { entities: [{ identifier: 'huge', properties: { language: 'ts', url: `https://x.io/${'a'.repeat(1024 * 1024)}` } }] };
    const tooLarge = await port.call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', huge);
    expect([tooLarge.status, tooLarge.body.error]).toEqual([413, 'payload_too_large']);
    const unknownRoute = await port.call('GET', '/v1/nothing-here');
    expect([unknownRoute.status, unknownRoute.body.error]).toEqual([404, 'not_found']);
    const badBool = await port.call('POST', '/v1/blueprints/service/entities?upsert=yes', { identifier: 'x', properties: { language: 'ts' } });
    expect(badBool.status).toBe(422);
    expect(emulator.counts()).toEqual(before);
  });

  test('the request log records calls without headers', async () => {
    const recent = emulator.requests(5);
    expect(recent[0]).toMatchObject({ method: 'POST', path: '/v1/blueprints/service/entities' });
    expect(JSON.stringify(recent)).not.toMatch(/authorization|Bearer/i);
    const viaHttp = (await (await fetch(`${emulator.url}/_emulator/requests?limit=3`)).json()) as { requests: unknown[] };
    expect(viaHttp.requests).toHaveLength(3);
  });
});

// Declared last so it runs last (jest keeps declaration order): every response above went through the checker.
describe('conformance with port-openapi.json', () => {
  test('no response violated its spec schema, and the main routes were checked', () => {
    expect(conformance.violations).toEqual([]);
    const expected = [
      'POST /v1/auth/access_token 200', 'POST /v1/auth/access_token 401', 'POST /v1/auth/access_token 422',
      'POST /v1/blueprints 201', 'POST /v1/blueprints 422', 'GET /v1/blueprints 200', 'GET /v1/blueprints 401',
      'GET /v1/blueprints/{identifier} 200', 'GET /v1/blueprints/{identifier} 404', 'PATCH /v1/blueprints/{identifier} 200',
      'DELETE /v1/blueprints/{identifier} 422',
      'POST /v1/blueprints/{blueprint_identifier}/entities 201', 'POST /v1/blueprints/{blueprint_identifier}/entities 404',
      'POST /v1/blueprints/{blueprint_identifier}/entities 422', 'POST /v1/blueprints/{blueprint_identifier}/entities/bulk 200',
      'POST /v1/blueprints/{blueprint_identifier}/entities/bulk 207', 'POST /v1/blueprints/{blueprint_identifier}/entities/bulk 413',
      'GET /v1/blueprints/{blueprint_identifier}/entities 200', 'GET /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier} 200',
      'PATCH /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier} 200', 'PUT /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier} 200',
      'DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier} 200', 'DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier} 404',
      'GET /v1/blueprints/{blueprint_identifier}/entities-count 200', 'DELETE /v1/blueprints/{blueprint_identifier}/all-entities 200',
      'POST /v1/blueprints/{blueprint_identifier}/bulk/entities/delete 200', 'POST /v1/blueprints/{blueprint_identifier}/bulk/entities/delete 422',
      'POST /v1/entities/search 200', 'POST /v1/entities/search 422', 'POST /v1/blueprints/{blueprint_identifier}/entities/search 200',
      'GET /v1/integration/{identifier} 404', 'GET /v1/organization 401',
    ];
    expect(expected.filter((route) => !conformance.checkedRoutes.has(route))).toEqual([]);
  });
});
