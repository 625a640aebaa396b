import fc from 'fast-check';
import { listingKey } from './datasource-index.js';
import { applyOp, createState, fromSnapshot, toSnapshot, type EmulatorState, type StoreOp } from './state.js';
import type { Blueprint, StoredEntity } from './types.js';

const at = '2026-06-15T12:00:00.000Z';
const blueprint = (identifier: string): Blueprint => ({
  identifier, title: identifier, schema: { properties: {} }, relations: {}, mirrorProperties: {}, calculationProperties: {}, aggregationProperties: {},
  createdAt: at, updatedAt: at, createdBy: 'x', updatedBy: 'x',
});
const entity = (bp: string, identifier: string, datasource: string, updatedAt = at): StoredEntity => ({
  identifier, blueprint: bp, team: [], properties: {}, relations: {}, createdAt: at, updatedAt, createdBy: 'x', updatedBy: 'x', datasource,
});

interface Listing { prefix: string; suffix: string; before?: number; limit: number }

/** Pages through the index as the route does, cursor after cursor. */
function listAll(state: EmulatorState, listing: Listing): { keys: string[]; pages: number } {
  const keys: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = state.byDatasource.page({ prefix: listing.prefix, suffix: listing.suffix, before: listing.before, after, limit: listing.limit });
    pages++;
    expect(page.entities.length).toBeLessThanOrEqual(listing.limit);
    keys.push(...page.entities.map((e) => listingKey(e.blueprint, e.identifier)));
    after = page.nextAfter;
  } while (after !== undefined);
  return { keys, pages };
}

/** What the listing must give: a scan of the whole store, filtered and sorted. */
function scanAll(state: EmulatorState, listing: Listing): string[] {
  const keys: string[] = [];
  for (const map of state.entities.values()) {
    for (const e of map.values()) {
      if (!e.datasource.startsWith(listing.prefix) || !e.datasource.endsWith(listing.suffix)) continue;
      if (listing.before !== undefined && !(Date.parse(e.updatedAt) < listing.before)) continue;
      keys.push(listingKey(e.blueprint, e.identifier));
    }
  }
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const github = (id: string) => `port-ocean/github/1.0/${id}/exporter`;

test('pages across several matching datasources in (blueprint, identifier) order, each entity once', () => {
  const state = createState();
  for (const bp of ['b', 'a', 'ab']) applyOp(state, { op: 'blueprint.put', blueprint: blueprint(bp) });
  // Two versions of the same integration (the datasource carries the version) interleave.
  const ops: StoreOp[] = [];
  for (let i = 0; i < 30; i++) {
    const bp = ['b', 'a', 'ab'][i % 3] as string;
    const source = i % 2 === 0 ? github('mine') : 'port-ocean/github/2.0/mine/exporter';
    ops.push({ op: 'entity.put', entity: entity(bp, `e${i}`, source) });
  }
  ops.push({ op: 'entity.put', entity: entity('a', 'theirs', github('theirs')) });
  for (const op of ops) applyOp(state, op);
  const listing = { prefix: 'port-ocean/github/', suffix: '/mine/exporter', limit: 4 };
  const { keys, pages } = listAll(state, listing);
  expect(keys).toEqual(scanAll(state, listing));
  expect(keys).toHaveLength(30);
  expect(keys[0]).toBe(listingKey('a', 'e1'));
  expect(keys.slice(0, 10).every((key) => key.startsWith('a\u0000'))).toBe(true);
  expect(pages).toBe(8); // 30 / 4 rounded up: no empty last page
});

test('a write by another datasource moves the entity; deletes, blueprint deletes and reset drop it', () => {
  const state = createState();
  for (const bp of ['svc', 'team']) applyOp(state, { op: 'blueprint.put', blueprint: blueprint(bp) });
  for (const id of ['x', 'y', 'z']) applyOp(state, { op: 'entity.put', entity: entity('svc', id, github('mine')) });
  applyOp(state, { op: 'entity.put', entity: entity('team', 't', github('mine')) });
  const mine = { prefix: 'port-ocean/github/', suffix: '/mine/exporter', limit: 10 };
  expect(listAll(state, mine).keys).toEqual(['svc\u0000x', 'svc\u0000y', 'svc\u0000z', 'team\u0000t']);

  applyOp(state, { op: 'entity.put', entity: entity('svc', 'y', 'Mozilla/5.0 (a user in the UI)') });
  expect(listAll(state, mine).keys).toEqual(['svc\u0000x', 'svc\u0000z', 'team\u0000t']);
  expect(listAll(state, { prefix: 'Mozilla/', suffix: '', limit: 10 }).keys).toEqual(['svc\u0000y']);

  applyOp(state, { op: 'entity.delete', blueprint: 'svc', identifier: 'x' });
  applyOp(state, { op: 'blueprint.delete', identifier: 'team' });
  expect(listAll(state, mine).keys).toEqual(['svc\u0000z']);

  applyOp(state, { op: 'reset' });
  expect(listAll(state, mine).keys).toEqual([]);
  expect(listAll(state, { prefix: 'Mozilla/', suffix: '', limit: 10 }).keys).toEqual([]);
});

test('`before` leaves out entities written at or after it, without short pages in between', () => {
  const state = createState();
  applyOp(state, { op: 'blueprint.put', blueprint: blueprint('svc') });
  for (let i = 0; i < 20; i++) {
    const updatedAt = i % 3 === 0 ? '2026-06-15T13:00:00.000Z' : at;
    applyOp(state, { op: 'entity.put', entity: entity('svc', `e${String(i).padStart(2, '0')}`, github('mine'), updatedAt) });
  }
  const listing = { prefix: 'port-ocean/', suffix: '/mine/exporter', before: Date.parse('2026-06-15T13:00:00.000Z'), limit: 5 };
  const first = state.byDatasource.page({ ...listing, after: undefined });
  expect(first.entities).toHaveLength(5);
  const { keys, pages } = listAll(state, listing);
  expect(keys).toEqual(scanAll(state, listing));
  expect(keys).toHaveLength(13);
  expect(pages).toBe(3);
});

test('the index survives a snapshot round trip', () => {
  const state = createState();
  applyOp(state, { op: 'blueprint.put', blueprint: blueprint('svc') });
  for (let i = 0; i < 12; i++) applyOp(state, { op: 'entity.put', entity: entity('svc', `e${i}`, github(i % 2 === 0 ? 'mine' : 'theirs')) });
  const restored = fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(state))));
  const mine = { prefix: 'port-ocean/', suffix: '/mine/exporter', limit: 5 };
  expect(listAll(restored, mine).keys).toEqual(scanAll(state, mine));
  expect(listAll(restored, mine).keys).toHaveLength(6);
});

test('any sequence of writes and deletes lists exactly what a scan of the store finds', () => {
  const sources = [github('mine'), 'port-ocean/github/2.0/mine/exporter', github('theirs'), 'port-ocean/gitlab/1.0/mine/exporter', 'curl/8.0'];
  const times = ['2026-06-15T11:00:00.000Z', at, '2026-06-15T13:00:00.000Z'];
  const put = fc.record({ kind: fc.constant('put' as const), bp: fc.constantFrom('a', 'ab', 'b'), id: fc.constantFrom('1', '2', '10', 'x', 'x/y', 'é'), source: fc.constantFrom(...sources), time: fc.constantFrom(...times) });
  const del = fc.record({ kind: fc.constant('delete' as const), bp: fc.constantFrom('a', 'ab', 'b'), id: fc.constantFrom('1', '2', '10', 'x', 'x/y', 'é') });
  const dropBlueprint = fc.record({ kind: fc.constant('dropBlueprint' as const), bp: fc.constantFrom('a', 'ab', 'b') });
  const listing = fc.record({
    prefix: fc.constantFrom('', 'port-ocean/', 'port-ocean/github/'),
    suffix: fc.constantFrom('', '/mine/exporter', '/exporter'),
    before: fc.option(fc.constantFrom(...times.map((t) => Date.parse(t))), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 7 }),
  }).filter((l) => l.prefix !== '' || l.suffix !== '');
  fc.assert(
    fc.property(fc.array(fc.oneof({ weight: 6, arbitrary: put }, { weight: 2, arbitrary: del }, { weight: 1, arbitrary: dropBlueprint }), { maxLength: 60 }), listing, (steps, query) => {
      const state = createState();
      for (const bp of ['a', 'ab', 'b']) applyOp(state, { op: 'blueprint.put', blueprint: blueprint(bp) });
      for (const step of steps) {
        if (step.kind === 'put') applyOp(state, { op: 'entity.put', entity: entity(step.bp, step.id, step.source, step.time) });
        else if (step.kind === 'delete') applyOp(state, { op: 'entity.delete', blueprint: step.bp, identifier: step.id });
        else {
          applyOp(state, { op: 'blueprint.delete', identifier: step.bp });
          applyOp(state, { op: 'blueprint.put', blueprint: blueprint(step.bp) });
        }
      }
      expect(listAll(state, query).keys).toEqual(scanAll(state, query));
    }),
    { numRuns: 300 },
  );
});
