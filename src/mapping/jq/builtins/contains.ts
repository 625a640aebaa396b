import { describe, typeOf, valuesEqual } from '../values.js';
import { fail, forEach, multi, single, type Builtin } from '../kit.js';

/**
 * `contains(b)` as jq's jv_contains: objects contain every key of b with a containing value,
 * arrays contain every element of b in some element, strings contain b as a substring, other
 * values must be equal. Kinds must match, and jq tells true from false as kinds.
 */
function kind(v: unknown): string {
  return v === true ? 'true' : v === false ? 'false' : typeOf(v);
}

export function contains(a: unknown, b: unknown): boolean {
  if (kind(a) !== kind(b)) return fail(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
  if (typeof a === 'string') return a.includes(b as string);
  if (Array.isArray(a)) return (b as unknown[]).every((x) => a.some((y) => kind(y) === kind(x) && contains(y, x)));
  if (typeOf(a) === 'object') {
    const o = a as Record<string, unknown>;
    return Object.entries(b as Record<string, unknown>).every(([k, v]) => Object.hasOwn(o, k) && kind(o[k]) === kind(v) && contains(o[k], v));
  }
  return valuesEqual(a, b);
}

export const CONTAINS_BUILTINS: Record<string, Builtin> = {
  'contains/1': ([b]) => {
    const arg = b!;
    if (arg.single) return single((input, vars) => contains(input, arg.get(input, vars)));
    return multi((input, vars, emit) => forEach(arg, input, vars, (v) => emit(contains(input, v))));
  },
};
