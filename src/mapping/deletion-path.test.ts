import { extractDeletionPath } from './deletion-path.js';

describe('extractDeletionPath (Ocean extract_jq_deletion_path_revised examples)', () => {
  test.each([
    ['.file.content', '.file.content'],
    ['(.file.content)', '.file.content'],
    ['. as $all | .file.content', '.file.content'],
    ['$items | .file.content', '.file.content'],
    ['. | .file.content', '.file.content'],
    ['.file.content // {}', '.file.content'],
    ['.file.content // null', '.file.content'],
    ['.file.content // []', '.file.content'],
    ['.[0].key', '.[0].key'],
    ['.[0].[1].key', '.[0].[1].key'],
    ['.file[0].content', '.file[0].content'],
    ['.file.[0].content', '.file.[0].content'],
    ['.["key"].value', '.["key"].value'],
    ['.first.path | .second.path', '.first.path'],
    ['  .file.content  ', '.file.content'],
    ['(.model_breakdown // {} | to_entries)', '.model_breakdown'],
  ])('%s → %s', (input, expected) => {
    expect(extractDeletionPath(input)).toBe(expected);
  });

  test.each(['.', '$items', '. as $root', '', '   ', '(.file.content'])('%j has no path', (input) => {
    expect(extractDeletionPath(input)).toBeUndefined();
  });
});
