import { Bailout, checkKeyOrder, describe } from '../values.js';
import { fail, single, type Builtin } from '../kit.js';

/**
 * `fromjson` with JavaScript's JSON.parse where both parsers agree. jq also reads `nan`, keeps
 * the text of numbers and caps nesting at 10,000, and reports errors its own way: any text
 * JSON.parse refuses, and results whose key order or strings JavaScript would change, go to jq.
 */
const LONE_SURROGATE = /\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/;
const MAX_DEPTH = 10_000;

function checkParsed(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new Bailout('fromjson nesting beyond jq\'s limit');
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) checkParsed(item, depth + 1);
    return;
  }
  const keys = Object.keys(value);
  checkKeyOrder(keys);
  for (const key of keys) checkParsed((value as Record<string, unknown>)[key], depth + 1);
}

export const FROMJSON_BUILTINS: Record<string, Builtin> = {
  'fromjson/0': () =>
    single((input) => {
      if (typeof input !== 'string') return fail(`${describe(input)} only strings can be parsed`);
      if (LONE_SURROGATE.test(input)) throw new Bailout('fromjson of text with lone surrogates');
      let value: unknown;
      try {
        value = JSON.parse(input);
      } catch {
        throw new Bailout('fromjson of text JSON.parse refuses');
      }
      checkParsed(value, 0);
      return value;
    }),
};
