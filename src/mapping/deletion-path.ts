/**
 * For `itemsToParse` with the top-level transform, Ocean removes the parsed array from the
 * parent by guessing a path from the expression text (`extract_jq_deletion_path_revised`):
 * strip one pair of outer parentheses, split on `|`, skip `. as $x`, `.` and `$...` segments,
 * and take the leading dot-path of the first segment that starts with one. No path means the
 * parent is dropped (Ocean evaluates `. | del(.)`, which yields null).
 */
const LEADING_PATH = /^(?:\.[A-Za-z_][A-Za-z0-9_]*|\.\[[^\]]*\](?=\.[A-Za-z_]|\[|\.\[))(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\]|\.\[[^\]]*\])*/;

export function extractDeletionPath(expression: string): string | undefined {
  let text = expression.trim();
  if (text === '') return undefined;
  const outer = /^\((.*?)\)/s.exec(text);
  if (outer) text = outer[1]!.trim();
  for (const raw of text.split('|')) {
    const segment = raw.trim();
    if (segment === '' || segment === '.' || segment.startsWith('$') || /^\.\s+as\s+\$/.test(segment)) continue;
    const match = LEADING_PATH.exec(segment);
    if (match) return match[0];
  }
  return undefined;
}
