import { PortApiError } from './port-error.js';
import { compileQuery, searchEntities, type SearchContext } from './search.js';
import { applyOp, createState } from './state.js';
import type { Blueprint, StoredEntity } from './types.js';

const at = '2026-06-15T12:00:00.000Z';
const blueprint = (identifier: string, relations: Blueprint['relations'] = {}): Blueprint => ({
  identifier, title: identifier, schema: { properties: { n: { type: 'number' }, s: { type: 'string' }, d: { type: 'string', format: 'date-time' }, tags: { type: 'array' } } },
  relations, mirrorProperties: {}, calculationProperties: {}, aggregationProperties: {}, createdAt: at, updatedAt: at, createdBy: 'x', updatedBy: 'x',
});
const entity = (bp: string, identifier: string, properties: Record<string, unknown> = {}, relations: StoredEntity['relations'] = {}, extra: Partial<StoredEntity> = {}): StoredEntity => ({
  identifier, blueprint: bp, team: [], properties, relations, createdAt: at, updatedAt: at, createdBy: 'x', updatedBy: 'x', datasource: 'port-ocean/gh/1.0/inst/exporter', ...extra,
});

const state = createState();
applyOp(state, { op: 'blueprint.put', blueprint: blueprint('team') });
applyOp(state, { op: 'blueprint.put', blueprint: blueprint('svc', { team: { target: 'team', required: true, many: false }, deps: { target: 'svc', required: false, many: true } }) });
for (const e of [
  entity('team', 'core'),
  entity('svc', 'a', { n: 1, s: 'alpha', d: '2026-06-15T10:00:00Z', tags: ['x'] }, { team: 'core', deps: [] }, { title: 'Alpha', team: ['t1'] }),
  entity('svc', 'b', { n: 2, s: 'beta', d: '2025-01-01T00:00:00Z', tags: ['y', 'z'] }, { team: 'core', deps: ['a'] }, { datasource: 'port-ocean/gl/1.0/other/exporter' }),
  entity('svc', 'c', { n: 3, s: null as unknown as string }, { team: 'core', deps: ['b'] }),
]) applyOp(state, { op: 'entity.put', entity: e });

const ctx: SearchContext = { state, now: new Date(at) };
const ids = (query: unknown, bp?: string) => searchEntities(ctx, query, bp).map((e) => e.identifier).sort();
const rule = (r: Record<string, unknown>) => ({ combinator: 'and', rules: [{ property: '$blueprint', operator: '=', value: 'svc' }, r] });

test.each([
  [{ property: 'n', operator: '=', value: 2 }, ['b']],
  [{ property: 'n', operator: '!=', value: 2 }, ['a', 'c']],
  [{ property: 'n', operator: '>=', value: 2 }, ['b', 'c']],
  [{ property: 'n', operator: '<', value: 2 }, ['a']],
  [{ property: 'd', operator: '>', value: '2026-01-01T00:00:00Z' }, ['a']],
  [{ property: 's', operator: 'in', value: ['alpha', 'beta'] }, ['a', 'b']],
  [{ property: 's', operator: 'notIn', value: ['alpha'] }, ['b', 'c']],
  [{ property: 's', operator: 'contains', value: 'et' }, ['b']],
  [{ property: 's', operator: 'doesNotContains', value: 'et' }, ['a', 'c']],
  [{ property: 's', operator: 'doesNotContain', value: 'et' }, ['a', 'c']],
  [{ property: 's', operator: 'beginsWith', value: 'al' }, ['a']],
  [{ property: 's', operator: 'doesNotBeginsWith', value: 'al' }, ['b', 'c']],
  [{ property: 's', operator: 'endsWith', value: 'ta' }, ['b']],
  [{ property: 's', operator: 'doesNotEndsWith', value: 'ta' }, ['a', 'c']],
  [{ property: 'tags', operator: 'containsAny', value: ['z', 'q'] }, ['b']],
  [{ property: 's', operator: 'isEmpty' }, ['c']],
  [{ property: 's', operator: 'isNotEmpty' }, ['a', 'b']],
  [{ property: 'd', operator: 'between', value: { preset: 'today' } }, ['a']],
  [{ property: 'd', operator: 'notBetween', value: { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' } }, ['b', 'c']],
  [{ property: '$title', operator: '=', value: 'Alpha' }, ['a']],
  [{ property: '$team', operator: 'in', value: ['t1'] }, ['a']],
  [{ property: '$datasource', operator: 'contains', value: '/other/' }, ['b']],
  [{ property: '$identifier', operator: 'in', value: ['a', 'c', 'zz'] }, ['a', 'c']],
  [{ property: '$updatedAt', operator: 'between', value: { preset: 'lastWeek' } }, ['a', 'b', 'c']],
  [{ operator: 'relatedTo', blueprint: 'svc', value: 'a', direction: 'downstream' }, ['b', 'c']],
  [{ operator: 'relatedTo', blueprint: 'svc', value: 'c', direction: 'upstream' }, ['a', 'b']],
  [{ operator: 'relatedTo', blueprint: 'svc', value: 'c', direction: 'upstream', required: false }, ['a', 'b']],
  [{ operator: 'relatedTo', blueprint: 'team', value: 'core' }, ['a', 'b', 'c']],
  [{ property: { path: ['deps', 'deps'] }, operator: 'matchAny', value: 'a' }, ['c']],
  [{ property: { path: [{ relation: 'deps', maxHops: 3 }] }, operator: 'matchAny', value: ['a'] }, ['b', 'c']],
  [{ propertySchema: { type: 'string' }, operator: 'contains', value: 'lph' }, ['a']],
])('%j matches %j', (r, expected) => {
  expect(ids(rule(r))).toEqual(expected);
});

test('groups: empty and matches all, empty or matches none, nesting works', () => {
  expect(ids({ combinator: 'and', rules: [] })).toEqual(['a', 'b', 'c', 'core']);
  expect(ids({ combinator: 'or', rules: [] })).toEqual([]);
  expect(ids({ combinator: 'and', rules: [{ combinator: 'or', rules: [] }, { property: '$blueprint', operator: '=', value: 'svc' }] })).toEqual([]);
  expect(ids({ combinator: 'or', rules: [{ combinator: 'and', rules: [{ property: 'n', operator: '=', value: 1 }] }, { property: '$identifier', operator: '=', value: 'core' }] })).toEqual(['a', 'core']);
});

test('the blueprint argument scopes the search', () => {
  expect(ids({ combinator: 'and', rules: [] }, 'team')).toEqual(['core']);
  expect(ids({ combinator: 'and', rules: [{ property: '$blueprint', operator: '=', value: 'svc' }] }, 'team')).toEqual([]);
});

test.each([
  [[], 'must be an object'],
  [{ combinator: 'nand', rules: [] }, 'combinator'],
  [{ combinator: 'and' }, 'rules must be an array'],
  [{ combinator: 'and', rules: [], limit: 3 }, 'limit'],
  [{ combinator: 'and', rules: [{ property: 'n', operator: 'near', value: 1 }] }, 'near'],
  [{ combinator: 'and', rules: [{ property: 'n', operator: 'in', value: 1 }] }, 'rules[0].value must be an array'],
  [{ combinator: 'and', rules: [{ property: 'n', operator: '>', value: 'soon' }] }, 'rules[0].value'],
  [{ combinator: 'and', rules: [{ property: 'd', operator: 'between', value: { preset: 'someday' } }] }, 'someday'],
  [{ combinator: 'and', rules: [{ combinator: 'or', rules: [{ operator: '=' }] }] }, 'rules[0].rules[0].property'],
  [{ combinator: 'and', rules: [{ property: { context: 'user', property: '$team' }, operator: '=', value: 'x' }] }, 'contextual'],
])('rejects %j with a 422 naming %s', (query, mention) => {
  let caught: unknown;
  try {
    compileQuery(query, ctx);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PortApiError);
  expect((caught as PortApiError).statusCode).toBe(422);
  expect((caught as PortApiError).message).toContain(mention);
});
