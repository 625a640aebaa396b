import { rewriteSingleQuotes } from './quote-rewrite.js';

describe('rewriteSingleQuotes (Ocean test_jq_entity_processor_sync cases)', () => {
  test.each([
    [".organization + '/' + .repository", '.organization + "/" + .repository'],
    ["'/' + .organization", '"/" + .organization'],
    [".organization + '/'", '.organization + "/"'],
    ['"shalom"', '"shalom"'],
    [".x // ''", '.x // ""'],
    ["'a'", '"a"'],
    [".name | test(\"it's\")", '.name | test("it\'s")'],
    ['.a', '.a'],
  ])('%s', (input, expected) => {
    expect(rewriteSingleQuotes(input)).toBe(expected);
  });
});
