/**
 * Ocean lets mappings delimit jq strings with single quotes (`.org + '/' + .repo`): before
 * compiling, a `'` that opens a string (at the start or after whitespace, not followed by
 * whitespace or `"`) or closes one (not after whitespace or `"`, followed by whitespace or the
 * end) becomes `"`. Quotes inside words are left alone. This is Ocean's regex, unchanged.
 */
const SINGLE_QUOTE = /(^|\s)'(?!\s|")|(?<!\s|")'(\s|$)/g;

export function rewriteSingleQuotes(expression: string): string {
  return expression.includes("'") ? expression.replace(SINGLE_QUOTE, '$1"$2') : expression;
}
