import { aggregationValue, mirrorValue, withComputedProperties } from './computed.js';
import type { SearchContext } from './search.js';
import { applyOp, createState } from './state.js';
import type { Blueprint, StoredEntity } from './types.js';

const at = '2026-06-15T12:00:00.000Z';
const bp = (identifier: string, extra: Partial<Blueprint> = {}): Blueprint => ({
  identifier, title: identifier, schema: { properties: { lang: { type: 'string' }, cost: { type: 'number' } } }, relations: {},
  mirrorProperties: {}, calculationProperties: {}, aggregationProperties: {}, createdAt: at, updatedAt: at, createdBy: 'x', updatedBy: 'x', ...extra,
});
const entity = (blueprint: string, identifier: string, properties: Record<string, unknown> = {}, relations: StoredEntity['relations'] = {}, createdAt = at): StoredEntity => ({
  identifier, blueprint, team: [], properties, relations, createdAt, updatedAt: createdAt, createdBy: 'x', updatedBy: 'x', datasource: 'ua', title: identifier.toUpperCase(),
});

const state = createState();
applyOp(state, { op: 'blueprint.put', blueprint: bp('team', { aggregationProperties: { services: { title: 'Services', target: 'service', calculationSpec: { func: 'count', calculationBy: 'entities' }, type: 'number' } } }) });
applyOp(state, {
  op: 'blueprint.put',
  blueprint: bp('service', {
    relations: { team: { target: 'team', required: false, many: false }, deps: { target: 'service', required: false, many: true } },
    mirrorProperties: { teamTitle: { path: 'team.$title' }, depLangs: { path: 'deps.lang' }, depTeam: { path: 'deps.team.$identifier' } },
  }),
});
for (const e of [
  entity('team', 'core'),
  entity('service', 'a', { lang: 'ts', cost: 10 }, { team: 'core' }, '2026-06-01T12:00:00.000Z'),
  entity('service', 'b', { lang: 'go', cost: 30 }, { team: 'core', deps: ['a'] }, '2026-06-14T12:00:00.000Z'),
  entity('service', 'c', { lang: 'py', cost: 20 }, { deps: ['a', 'b'] }),
]) applyOp(state, { op: 'entity.put', entity: e });
const ctx: SearchContext = { state, now: new Date(at) };
const get = (blueprint: string, id: string) => state.entities.get(blueprint)?.get(id) as StoredEntity;

test('mirror properties follow relations to a property or meta field', () => {
  expect(mirrorValue(state, get('service', 'b'), 'team.$title')).toBe('CORE');
  expect(mirrorValue(state, get('service', 'c'), 'team.$title')).toBeNull();
  expect(mirrorValue(state, get('service', 'c'), 'deps.lang')).toEqual(['ts', 'go']);
  expect(mirrorValue(state, get('service', 'a'), 'deps.lang')).toEqual([]);
});

test.each([
  [{ func: 'count', calculationBy: 'entities' }, undefined, 2],
  [{ func: 'count', calculationBy: 'entities' }, { combinator: 'and', rules: [{ property: 'lang', operator: '=', value: 'go' }] }, 1],
  [{ func: 'sum', calculationBy: 'property', property: 'cost' }, undefined, 40],
  [{ func: 'min', calculationBy: 'property', property: 'cost' }, undefined, 10],
  [{ func: 'max', calculationBy: 'property', property: 'cost' }, undefined, 30],
  [{ func: 'average', calculationBy: 'property', property: 'cost' }, undefined, 20],
  [{ func: 'median', calculationBy: 'property', property: 'cost' }, undefined, 20],
  [{ func: 'average', calculationBy: 'entities', averageOf: 'total' }, undefined, 2],
  [{ func: 'average', calculationBy: 'entities', averageOf: 'week' }, undefined, 1],
])('aggregation %j with query %j over the team is %s', (calculationSpec, query, expected) => {
  expect(aggregationValue(ctx, get('team', 'core'), { target: 'service', calculationSpec, ...(query ? { query } : {}) })).toBe(expected);
});

test('withComputedProperties adds computed values and leaves the stored entity alone', () => {
  const team = withComputedProperties(ctx, get('team', 'core'));
  expect(team.properties).toEqual({ services: 2 });
  expect(get('team', 'core').properties).toEqual({});
  expect(withComputedProperties(ctx, get('service', 'c')).properties).toEqual({ lang: 'py', cost: 20, teamTitle: null, depLangs: ['ts', 'go'], depTeam: ['core', 'core'] });
});
