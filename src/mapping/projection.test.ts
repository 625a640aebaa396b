import { project, projectionTree } from './projection.js';

describe('projectionTree', () => {
  test('keeps the key paths mappings read, a shorter path absorbing longer ones', () => {
    expect(projectionTree(['.fork == false', '.owner.login', '.organization.login // "none"', '.topics | join(",")', '.a.b.c', '.a.b', '.c?'])).toEqual({
      fork: {},
      topics: {},
      c: {},
      owner: { login: {} },
      organization: { login: {} },
      a: { b: {} },
    });
  });

  test.each([
    ['. as $x | $x.a'],
    ['if .a then 1 end'],
    ['keys'],
    ['.[]'],
    ['tojson'],
    ['.a | ., $__loc__'],
    ['{a: .a} + .'],
    ['[.[] | .a]'],
  ])('%s may read the whole record', (program) => {
    expect(projectionTree([program])).toBeUndefined();
  });

  test('a pipe reads only the path on its left', () => {
    expect(projectionTree(['.a | keys', '.b[0].c | length', 'env.HOME'])).toEqual({ a: {}, b: {} });
  });
});

describe('project', () => {
  test('keeps absent keys absent and non-objects whole', () => {
    const tree = projectionTree(['.owner.login', '.org.login', '.x'])!;
    expect(project({ owner: { login: 'o', id: 1 }, org: 'text', other: 1 }, tree)).toEqual({ owner: { login: 'o' }, org: 'text' });
    expect(project({ owner: [1] }, tree)).toEqual({ owner: [1] });
  });

  test('copies a __proto__ key as data', () => {
    const record = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Record<string, unknown>;
    const out = project(record, projectionTree(['.__proto__'])!) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
