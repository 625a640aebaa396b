import { blueprintIdentifierProblem, entityIdentifierProblem, fieldIdentifierProblem } from './identifiers.js';

test.each([
  ['repo-1', true],
  ['org/repo', true],
  ['a+b:c=d@e_f.g\\h', true],
  ['日本語-サービス', true],
  ['ümlaut', true],
  ['.', false],
  ['..', false],
  ['...', true],
  ['has space', false],
  ['semi;colon', false],
  ['', false],
  ['x'.repeat(1000), true],
  ['x'.repeat(1001), false],
])('entity identifier %j is valid: %s', (id, valid) => {
  expect(entityIdentifierProblem(id) === undefined).toBe(valid);
});

test('blueprint identifiers refuse "=" and are at most 100 characters; fields are ASCII', () => {
  expect(blueprintIdentifierProblem('a=b')).toBeDefined();
  expect(blueprintIdentifierProblem('github/repo')).toBeUndefined();
  expect(blueprintIdentifierProblem('x'.repeat(101))).toContain('100');
  expect(entityIdentifierProblem(42)).toBe('must be a string');
  expect(fieldIdentifierProblem('my_prop-1=x')).toBeUndefined();
  expect(fieldIdentifierProblem('my.prop')).toBeDefined();
  expect(fieldIdentifierProblem('ü')).toBeDefined();
});
