import { Bailout, JqRuntimeError, checkKeyOrder, describe, isPlainObject, typeOf } from './values.js';

/**
 * What the fast path's compiler and its built-ins share: the shape of a compiled node, the two
 * ways to make one, and the value operations every part needs (indexing, iteration, errors).
 */

export type Vars = unknown[];
export type Emit = (value: unknown) => void;

export interface Compiled {
  /** Exactly one output (or an error) for every input. */
  single: boolean;
  get: (input: unknown, vars: Vars) => unknown;
  run: (input: unknown, vars: Vars, emit: Emit) => void;
}

export type Builtin = (args: Compiled[], ctx: CompileContext) => Compiled;

export interface CompileContext {
  env: Record<string, string>;
  scopes: Map<string, number>[];
  slots: number;
}

export function single(get: (input: unknown, vars: Vars) => unknown): Compiled {
  return { single: true, get, run: (input, vars, emit) => emit(get(input, vars)) };
}

export function multi(run: (input: unknown, vars: Vars, emit: Emit) => void): Compiled {
  return {
    single: false,
    get: () => {
      throw new Error('get() on a multi-output node');
    },
    run,
  };
}

export function fail(message: string): never {
  throw new JqRuntimeError(message);
}

export function setKey(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

export function checkNumber(n: number): number {
  // jq prints infinities as ±DBL_MAX and NaN as null; JSON.stringify would print both as null.
  if (!Number.isFinite(n)) throw new Bailout('non-finite number');
  return n;
}

export function indexValue(target: unknown, key: unknown): unknown {
  if (typeof key === 'string') {
    if (target === null) return null;
    if (typeOf(target) === 'object') {
      return Object.hasOwn(target as object, key) ? jsonValue((target as Record<string, unknown>)[key]) : null;
    }
    return fail(`Cannot index ${typeOf(target)} with "${key}"`);
  }
  if (typeof key === 'number') {
    if (target === null) return null;
    if (Array.isArray(target)) {
      if (!Number.isInteger(key)) throw new Bailout('fractional index');
      const i = key < 0 ? target.length + key : key;
      return i >= 0 && i < target.length ? jsonValue(target[i]) : null;
    }
    return fail(`Cannot index ${typeOf(target)} with number`);
  }
  throw new Bailout('unusual index key');
}

/** Values taken out of a record whole must be JSON values, or jq (which sees their JSON) decides. */
export function jsonValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !isPlainObject(v)) throw new Bailout('non-JSON value');
  return v;
}

export function iterate(target: unknown, emit: Emit): void {
  if (Array.isArray(target)) {
    for (const x of target) emit(jsonValue(x));
    return;
  }
  if (typeOf(target) === 'object') {
    const keys = Object.keys(target as object);
    checkKeyOrder(keys);
    for (const k of keys) emit(jsonValue((target as Record<string, unknown>)[k]));
    return;
  }
  fail(`Cannot iterate over ${describe(target)}`);
}

/** Runs `node` for each output of `source`, binding nothing: the building block for pipes. */
export function forEach(node: Compiled, input: unknown, vars: Vars, each: Emit): void {
  if (node.single) each(node.get(input, vars));
  else node.run(input, vars, each);
}
