import { entitySchemaProblem, propertyValueProblem } from './entity-validator.js';
import type { Blueprint } from './types.js';

test.each([
  [{ type: 'string' }, 'x', true],
  [{ type: 'string' }, 1, false],
  [{ type: 'number' }, 1.5, true],
  [{ type: 'number' }, '1', false],
  [{ type: 'boolean' }, false, true],
  [{ type: 'object' }, { a: 1 }, true],
  [{ type: 'object' }, [1], false],
  [{ type: 'array' }, [], true],
  [{ type: 'array', items: { type: 'number' } }, [1, 'x'], false],
  [{ type: 'string', enum: ['a', 'b'] }, 'c', false],
  [{ type: 'string', format: 'date-time' }, '2026-01-02T03:04:05Z', true],
  [{ type: 'string', format: 'date-time' }, '2026-01-02', false],
  [{ type: 'string', format: 'url' }, 'https://example.com/a', true],
  [{ type: 'string', format: 'url' }, 'example dot com', false],
  [{ type: 'string', format: 'email' }, 'me@example.com', true],
  [{ type: 'string', format: 'email' }, 'me-at-example', false],
  [{ type: 'string', format: 'ipv4' }, '10.0.0.1', true],
  [{ type: 'string', format: 'ipv6' }, '10.0.0.1', false],
  [{ type: 'string', format: 'markdown' }, '# anything', true],
  [{ type: 'string', minLength: 2 }, 'a', false],
  [{ type: 'string', pattern: '^v\\d+$' }, 'v12', true],
  [{ type: 'string', pattern: '^v\\d+$' }, 'x12', false],
  [{ type: 'number', minimum: 0, maximum: 10 }, 11, false],
  [{ type: 'number', exclusiveMinimum: 0 }, 0, false],
  [{ type: 'array', maxItems: 1 }, [1, 2], false],
  [{ type: 'array', uniqueItems: true }, [1, 1], false],
] as const)('%j with %j fits: %s', (schema, value, fits) => {
  expect(propertyValueProblem(schema as never, value) === undefined).toBe(fits);
});

const at = '2026-01-01T00:00:00Z';
const blueprint: Blueprint = {
  identifier: 'svc', title: 'Svc', schema: { properties: { lang: { type: 'string' } }, required: ['lang'] },
  relations: { owner: { target: 'team', required: true, many: false }, deps: { target: 'svc', required: false, many: true } },
  mirrorProperties: {}, calculationProperties: {}, aggregationProperties: {}, createdAt: at, updatedAt: at, createdBy: 'x', updatedBy: 'x',
};

test.each([
  [{ lang: 'ts' }, { owner: 'core' }, undefined],
  // Undefined properties never reach the check (the writer keeps only defined ones, as Port
  // does); one the store still holds from an older blueprint is not judged.
  [{ lang: 'ts', extra: 1 }, { owner: 'core' }, undefined],
  [{}, { owner: 'core' }, 'blueprint_schema_mismatch'],
  [{ lang: null }, { owner: 'core' }, 'blueprint_schema_mismatch'],
  [{ lang: 'ts' }, {}, 'required_relation'],
  [{ lang: 'ts' }, { owner: null }, 'required_relation'],
  [{ lang: 'ts' }, { owner: ['a'] }, 'relation_many_violation'],
  [{ lang: 'ts' }, { owner: 'core', deps: 'a' }, 'relation_many_violation'],
  [{ lang: 'ts' }, { owner: 'bad id' }, 'blueprint_schema_mismatch'],
  [{ lang: 'ts' }, { owner: 'core', ghost: 'x' }, 'blueprint_schema_mismatch'],
] as const)('properties %j relations %j → %s', (properties, relations, error) => {
  const problem = entitySchemaProblem({ identifier: 'e', properties: properties as never, relations: relations as never }, blueprint);
  expect(problem?.error).toBe(error);
  if (problem !== undefined) expect(problem.message).toContain('entity "e" of blueprint "svc"');
});
