import { checkKeyOrder, describe, typeOf } from '../values.js';
import { fail, jsonValue, single, type Builtin } from '../kit.js';

/** `to_entries`: `[keys_unsorted[] as $k | {key: $k, value: .[$k]}]`, in jq's key order. */
export const ENTRIES_BUILTINS: Record<string, Builtin> = {
  'to_entries/0': () =>
    single((input) => {
      if (Array.isArray(input)) return input.map((value, key) => ({ key, value: jsonValue(value) }));
      if (typeOf(input) !== 'object') return fail(`${describe(input)} has no keys`);
      const object = input as Record<string, unknown>;
      const keys = Object.keys(object);
      checkKeyOrder(keys);
      return keys.map((key) => ({ key, value: jsonValue(object[key]) }));
    }),
};
