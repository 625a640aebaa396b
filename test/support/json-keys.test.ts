import { duplicateKeys, topLevelKeys } from './json-keys.js';

test('top-level keys of a log line, repeats included, nested and quoted text ignored', () => {
  const line = '{"level":30,"integration":"fake","integration":"fake","err":{"integration":"x"},"msg":"a \\"key\\": value","list":[{"msg":1}]}';
  expect(topLevelKeys(line)).toEqual(['level', 'integration', 'integration', 'err', 'msg', 'list']);
  expect(duplicateKeys(line)).toEqual(['integration']);
  expect(duplicateKeys('{"a":1,"b":{"a":2}}')).toEqual([]);
});
