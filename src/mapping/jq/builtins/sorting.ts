import { Bailout, compareValues, describe, typeOf } from '../values.js';
import { fail, forEach, jsonValue, single, type Builtin, type Compiled, type Vars } from '../kit.js';

/**
 * jq's ordering built-ins: `sort_by`, `group_by`, `unique`, `min_by`, `max_by`. Keys are
 * `[f]` (every output of f, in order) compared with jq's total order; ties keep input order.
 */

/** The elements with their keys, or jq's error for input that is not an array. */
function keyed(input: unknown, f: Compiled, vars: Vars): { value: unknown; key: unknown[] }[] {
  if (!Array.isArray(input)) {
    // jq maps f over an object's values before it refuses to sort them: leave that to jq.
    if (typeOf(input) === 'object') throw new Bailout('ordering built-in over an object');
    return fail(`Cannot iterate over ${describe(input)}`);
  }
  return input.map((element) => {
    const value = jsonValue(element);
    const key: unknown[] = [];
    forEach(f, value, vars, (k) => key.push(k));
    return { value, key };
  });
}

function sortedByKey(input: unknown, f: Compiled, vars: Vars): { value: unknown; key: unknown[] }[] {
  // Array.prototype.sort is stable, as jq's sort (which breaks ties by position) is.
  return keyed(input, f, vars).sort((a, b) => compareValues(a.key, b.key));
}

/** min_by keeps the first of equal keys, max_by the last (jq's comparison in minmax_by). */
function extremeBy(input: unknown, f: Compiled, vars: Vars, min: boolean): unknown {
  const entries = keyed(input, f, vars);
  let best = entries[0];
  if (best === undefined) return null;
  for (let i = 1; i < entries.length; i++) {
    const c = compareValues(entries[i]!.key, best.key);
    if (min ? c < 0 : c >= 0) best = entries[i]!;
  }
  return best.value;
}

export const SORTING_BUILTINS: Record<string, Builtin> = {
  'sort_by/1': ([f]) => single((input, vars) => sortedByKey(input, f!, vars).map((e) => e.value)),
  'group_by/1': ([f]) =>
    single((input, vars) => {
      const groups: unknown[][] = [];
      let lastKey: unknown[] | undefined;
      for (const { value, key } of sortedByKey(input, f!, vars)) {
        if (lastKey !== undefined && compareValues(key, lastKey) === 0) groups[groups.length - 1]!.push(value);
        else groups.push([value]);
        lastKey = key;
      }
      return groups;
    }),
  'unique/0': () =>
    single((input) => {
      if (!Array.isArray(input)) return fail(`${describe(input)} cannot be sorted, as it is not an array`);
      const sorted = input.map(jsonValue).sort(compareValues);
      return sorted.filter((value, i) => i === 0 || compareValues(value, sorted[i - 1]) !== 0);
    }),
  'min_by/1': ([f]) => single((input, vars) => extremeBy(input, f!, vars, true)),
  'max_by/1': ([f]) => single((input, vars) => extremeBy(input, f!, vars, false)),
};
