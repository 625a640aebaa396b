import { blueprintInUse, buildBlueprint } from './blueprint-validator.js';
import { PortApiError } from './port-error.js';
import type { Blueprint } from './types.js';

const ctx = { blueprintExists: (id: string) => id === 'team', actor: 'me', now: '2026-01-01T00:00:00.000Z' };
const base = { identifier: 'svc', title: 'Service', schema: { properties: { lang: { type: 'string', enum: ['ts'] } } } };

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PortApiError);
    expect((error as PortApiError).statusCode).toBe(422);
    return (error as PortApiError).message;
  }
  throw new Error('expected a 422');
}

test('builds a blueprint with defaults and meta fields', () => {
  const built = buildBlueprint('create', { ...base, relations: { team: { target: 'team' }, self: { target: 'svc', many: true } } }, undefined, ctx);
  expect(built).toMatchObject({
    identifier: 'svc', title: 'Service', createdBy: 'me', updatedBy: 'me', createdAt: ctx.now,
    relations: { team: { target: 'team', required: false, many: false }, self: { target: 'svc', required: false, many: true } },
    mirrorProperties: {}, calculationProperties: {}, aggregationProperties: {},
  });
});

test.each([
  [{ ...base, identifier: 'a b' }, 'body/identifier'],
  [{ ...base, identifier: 'x'.repeat(101) }, 'at most 100'],
  [{ ...base, identifier: '.' }, 'body/identifier'],
  [{ ...base, title: 'x'.repeat(101) }, 'body/title'],
  [{ ...base, description: 'x'.repeat(201) }, 'body/description'],
  [{ ...base, schema: { properties: { 'bad key': { type: 'string' } } } }, 'bad key'],
  [{ ...base, schema: { properties: { p: { type: 'date' } } } }, 'properties.p.type'],
  [{ ...base, schema: { properties: { p: { type: 'string', pattern: '(' } } } }, 'pattern'],
  [{ ...base, relations: { r: { target: 'ghost' } } }, 'ghost'],
  [{ ...base, relations: { r: { target: 'team', many: 'yes' } } }, 'many'],
  [{ ...base, mirrorProperties: { m: { path: 'nowhere.title' } } }, 'mirrorProperties.m.path'],
  [{ ...base, calculationProperties: { c: { type: 'string' } } }, 'calculation'],
  [{ ...base, aggregationProperties: { a: { target: 'ghost', calculationSpec: {} } } }, 'aggregationProperties.a.target'],
  [{ title: 'no id', schema: { properties: {} } }, 'body/identifier'],
  [{ identifier: 'x', title: 'no schema' }, 'body/schema'],
])('rejects %j naming %s', (body, mention) => {
  expect(problem(() => buildBlueprint('create', body, undefined, ctx))).toContain(mention);
});

test('patch replaces the given top-level keys and keeps the rest; types are fixed', () => {
  const created = buildBlueprint('create', base, undefined, ctx);
  const patched = buildBlueprint('patch', { relations: { team: { target: 'team', required: true } } }, created, { ...ctx, actor: 'other' }, 'svc');
  expect(patched.schema).toEqual(created.schema);
  expect(patched.relations['team']).toEqual({ target: 'team', required: true, many: false });
  expect(patched).toMatchObject({ createdBy: 'me', updatedBy: 'other' });
  expect(problem(() => buildBlueprint('patch', { schema: { properties: { lang: { type: 'number' } } } }, created, ctx, 'svc'))).toContain('fixed');
  expect(problem(() => buildBlueprint('patch', { identifier: 'renamed' }, created, ctx, 'svc'))).toContain('renaming');
});

test('a blueprint with entities or targeted by a relation cannot be deleted', () => {
  const team = buildBlueprint('create', { identifier: 'team', title: 'Team', schema: { properties: {} } }, undefined, ctx);
  const svc: Blueprint = buildBlueprint('create', { ...base, relations: { team: { target: 'team' } } }, undefined, ctx);
  expect(blueprintInUse('team', [team, svc], 0)?.error).toBe('blueprint_is_relation_target');
  expect(blueprintInUse('svc', [team, svc], 2)?.error).toBe('blueprint_has_entities');
  expect(blueprintInUse('svc', [team, svc], 0)).toBeUndefined();
});

test('the legacy "type": "enum" (argocd ships it) is stored as the type of its values', () => {
  const built = buildBlueprint('create', { ...base, schema: { properties: { status: { type: 'enum', enum: ['Ok', 'Failed'] }, level: { type: 'enum', enum: [1, 2] } } } }, undefined, ctx);
  expect(built.schema.properties['status']).toEqual({ type: 'string', enum: ['Ok', 'Failed'] });
  expect(built.schema.properties['level']?.type).toBe('number');
  expect(problem(() => buildBlueprint('create', { ...base, schema: { properties: { s: { type: 'enum', enum: [1, 'a'] } } } }, undefined, ctx))).toContain('only strings or only numbers');
  expect(problem(() => buildBlueprint('create', { ...base, schema: { properties: { s: { type: 'enum' } } } }, undefined, ctx))).toContain('properties.s.type');
});
