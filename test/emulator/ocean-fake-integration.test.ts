import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createMappingEngine, parsePortAppConfig, type MappingEngine, type PortEntity } from '../../src/mapping/index.js';
import { collectPages, setUpFake } from '../../plugins/fake/fake-test-support.js';

/**
 * Ocean's own fake integration, unchanged: its blueprints and its default mapping (copied from
 * the corpus) with records of the same shape from Marina's fake plugin. Its fake-person mapping
 * sends `name` and `department`, which its fake-person blueprint does not define; Port accepts
 * those writes (Ocean's smoke test against Port expects the persons to exist) and keeps only the
 * properties the blueprint defines. The emulator must do the same.
 */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/ocean-corpus/fake-integration');
const OCEAN_UA = 'port-ocean/fake-integration/0.1.0/ocean-fake/exporter';

interface Blueprint {
  identifier: string;
  relations?: Record<string, unknown>;
  schema: { properties: Record<string, unknown> };
}

let emulator: Emulator;
let engine: MappingEngine;
let token: string;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'user-agent': OCEAN_UA, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** Upserts as Ocean's resync does: bulks of 20, upsert and merge. */
async function upsertAll(blueprint: string, entities: PortEntity[], flags = 'upsert=true&merge=true') {
  const results: { status: number; body: any }[] = [];
  for (let i = 0; i < entities.length; i += 20) {
    const batch = entities.slice(i, i + 20).map(({ blueprint: _bp, ...entity }) => entity);
    results.push(await call('POST', `/v1/blueprints/${blueprint}/entities/bulk?${flags}`, { entities: batch }));
  }
  return results;
}

const blueprints = JSON.parse(readFileSync(join(fixtures, 'blueprints.json'), 'utf8')) as Blueprint[];
const mapping = parsePortAppConfig(readFileSync(join(fixtures, 'port-app-config.yml'), 'utf8'), 'port-app-config.yml');
const mapped = new Map<string, PortEntity[]>();

beforeAll(async () => {
  emulator = await startEmulator();
  engine = createMappingEngine({ workers: 1 });
  const auth = await fetch(`${emulator.url}/v1/auth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'ocean', clientSecret: 'fake' }),
  });
  token = ((await auth.json()) as { accessToken: string }).accessToken;
  // Ocean's setup: every blueprint bare first, then their relations.
  for (const { relations: _relations, ...bare } of blueprints) {
    expect((await call('POST', '/v1/blueprints', bare)).status).toBe(201);
  }
  for (const blueprint of blueprints) {
    if (blueprint.relations !== undefined) expect((await call('PATCH', `/v1/blueprints/${blueprint.identifier}`, { relations: blueprint.relations })).status).toBe(200);
  }
  const { instance } = await setUpFake({ entityCount: { 'fake-person': 45, 'fake-team': 10, 'fake-project': 10 } });
  for (const resource of mapping.resources) {
    const records = (await collectPages(instance, resource.kind)).flat();
    const result = await engine.mapPage(resource, records);
    expect(result.itemErrors).toEqual([]);
    mapped.set(resource.kind, result.passed);
  }
}, 60_000);

afterAll(async () => {
  await engine.close();
  await emulator.close();
});

test("the fixture is Ocean's: the person mapping sends properties its blueprint lacks", () => {
  const person = blueprints.find((b) => b.identifier === 'fake-person')!;
  const sent = Object.keys(mapped.get('fake-person')![0]!.properties ?? {});
  expect(sent.filter((name) => !(name in person.schema.properties)).sort()).toEqual(['department', 'name']);
});

test('every kind of the default mapping is written whole; undefined properties are dropped, the rest kept', async () => {
  for (const resource of mapping.resources) {
    const entities = mapped.get(resource.kind)!;
    expect(entities.length).toBeGreaterThan(0);
    for (const result of await upsertAll(resource.kind, entities)) {
      expect([resource.kind, result.status, result.body.errors]).toEqual([resource.kind, 200, []]);
    }
    expect(emulator.entities(resource.kind)).toHaveLength(entities.length);
  }

  const sent = mapped.get('fake-person')![0]!;
  const stored = emulator.entity('fake-person', String(sent.identifier))!;
  const { name: _name, department: _department, ...defined } = sent.properties as Record<string, unknown>;
  expect(stored.properties).toEqual(defined);
  expect(Object.keys(stored.properties).sort()).toEqual(['age', 'bio', 'email', 'status']);
  expect(stored.title).toBe(sent.title);
  expect(stored.relations).toEqual({ department: sent.relations!['department'] });
  expect(stored.datasource).toBe(OCEAN_UA);

  // Reads show the same: the dropped keys are not kept anywhere.
  const read = await call('GET', `/v1/blueprints/fake-person/entities/${sent.identifier}`);
  expect(read.status).toBe(200);
  expect(read.body.entity.properties).toEqual(defined);
});

test('the same holds for single writes, merge, PUT and validation_only', async () => {
  const person = mapped.get('fake-person')![1]!;
  const { blueprint: _bp, ...body } = person;
  const single = await call('POST', '/v1/blueprints/fake-person/entities?upsert=true&merge=false', body);
  expect([200, 201]).toContain(single.status);
  expect(single.body.entity.properties).not.toHaveProperty('name');
  expect(single.body.entity.properties).toHaveProperty('email', person.properties!['email']);

  const merged = await call('POST', '/v1/blueprints/fake-person/entities?upsert=true&merge=true', { identifier: person.identifier, properties: { nickname: 'x', age: 99 } });
  expect([200, 201]).toContain(merged.status);
  expect(emulator.entity('fake-person', String(person.identifier))!.properties).toMatchObject({ age: 99, email: person.properties!['email'] });
  expect(emulator.entity('fake-person', String(person.identifier))!.properties).not.toHaveProperty('nickname');

  const put = await call('PUT', `/v1/blueprints/fake-person/entities/${person.identifier}`, { ...body, properties: { ...body.properties, age: 7 } });
  expect(put.status).toBe(200);
  expect(emulator.entity('fake-person', String(person.identifier))!.properties).toEqual(expect.objectContaining({ age: 7 }));
  expect(emulator.entity('fake-person', String(person.identifier))!.properties).not.toHaveProperty('department');

  const dry = await call('POST', '/v1/blueprints/fake-person/entities?upsert=true&validation_only=true', { ...body, identifier: 'not-written' });
  expect(dry.status).toBe(201);
  expect(emulator.entity('fake-person', 'not-written')).toBeUndefined();
});

test('a bad value under a defined property, or an undefined relation, is still refused', async () => {
  const person = mapped.get('fake-person')![2]!;
  const { blueprint: _bp, ...body } = person;
  const badStatus = await call('POST', '/v1/blueprints/fake-person/entities/bulk?upsert=true', {
    entities: [{ ...body, properties: { ...body.properties, status: 'ON_LEAVE' } }],
  });
  expect(badStatus.status).toBe(207);
  expect(badStatus.body.errors).toEqual([expect.objectContaining({ index: 0, statusCode: 422, error: 'blueprint_schema_mismatch', message: expect.stringContaining('property "status"') })]);

  const badRelation = await call('POST', '/v1/blueprints/fake-person/entities?upsert=true', { ...body, relations: { manager: 'emp-0000001' } });
  expect([badRelation.status, badRelation.body.error]).toEqual([422, 'blueprint_schema_mismatch']);
});
