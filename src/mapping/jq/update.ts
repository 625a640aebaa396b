import { UnsupportedJq, type JqNode } from './ast.js';
import { Bailout, checkKeyOrder, typeOf } from './values.js';
import { fail, jsonValue, setKey, single, type Compiled, type Vars } from './kit.js';

/**
 * `path |= f` for paths of literal keys and indexes (`.a`, `.[3]`, `.a[0].b`), as jq's _modify:
 * the value at the path becomes f's first output, or the path is deleted when f gives none.
 * Missing objects and arrays on the way are created (arrays padded with nulls).
 */

type Key = string | number;

/** The most an index may pad an array by before the fast path leaves it to jq. */
const MAX_PADDED_INDEX = 100_000;

function pathKeys(path: JqNode): Key[] {
  const keys: Key[] = [];
  let node = path;
  while (node.t === 'index' && !node.opt && node.key.t === 'literal') {
    const key = node.key.value;
    if (typeof key === 'string') keys.unshift(key);
    else if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key <= MAX_PADDED_INDEX) keys.unshift(key);
    else throw new UnsupportedJq('update of an unusual index');
    node = node.target;
  }
  if (node.t !== 'identity' || keys.length === 0) throw new UnsupportedJq('update of a complex path');
  return keys;
}

function getAt(value: unknown, key: Key): unknown {
  if (value === null) return null;
  if (typeof key === 'string') {
    if (typeOf(value) !== 'object') return fail(`Cannot index ${typeOf(value)} with "${key}"`);
    return Object.hasOwn(value as object, key) ? jsonValue((value as Record<string, unknown>)[key]) : null;
  }
  if (!Array.isArray(value)) return fail(`Cannot index ${typeOf(value)} with number`);
  return key < value.length ? jsonValue(value[key]) : null;
}

/** A copy of the object with `key` set (kept in place) or removed. */
function withKey(object: Record<string, unknown>, key: string, value: unknown, remove: boolean): Record<string, unknown> {
  const keys = Object.keys(object);
  // JavaScript would move a new integer-like key to the front; jq appends it.
  checkKeyOrder(keys.includes(key) ? keys : [...keys, key]);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k !== key) setKey(out, k, object[k]);
    else if (!remove) setKey(out, k, value);
  }
  if (!remove && !Object.hasOwn(object, key)) setKey(out, key, value);
  return out;
}

function setPath(value: unknown, keys: Key[], depth: number, leaf: unknown): unknown {
  const key = keys[depth]!;
  const child = depth === keys.length - 1 ? leaf : setPath(getAt(value, key), keys, depth + 1, leaf);
  if (typeof key === 'string') {
    if (value === null) return withKey({}, key, child, false);
    if (typeOf(value) !== 'object') return fail(`Cannot index ${typeOf(value)} with "${key}"`);
    return withKey(value as Record<string, unknown>, key, child, false);
  }
  if (value !== null && !Array.isArray(value)) return fail(`Cannot index ${typeOf(value)} with number`);
  const out = value === null ? [] : [...(value as unknown[])];
  while (out.length < key) out.push(null);
  out[key] = child;
  return out;
}

function deletePath(value: unknown, keys: Key[], depth: number): unknown {
  if (value === null) return null;
  const key = keys[depth]!;
  const last = depth === keys.length - 1;
  if (typeof key === 'string') {
    if (typeOf(value) !== 'object') return fail(`Cannot delete field at object index of ${typeOf(value)}`);
    const object = value as Record<string, unknown>;
    if (!Object.hasOwn(object, key)) return object;
    return last ? withKey(object, key, undefined, true) : withKey(object, key, deletePath(jsonValue(object[key]), keys, depth + 1), false);
  }
  if (!Array.isArray(value)) return fail(`Cannot delete field at index of ${typeOf(value)}`);
  if (key >= value.length) return value;
  if (last) return [...value.slice(0, key), ...value.slice(key + 1)];
  const out = [...value];
  out[key] = deletePath(jsonValue(value[key]), keys, depth + 1);
  return out;
}

const NONE = Symbol('none');

export function compileUpdate(path: JqNode, body: Compiled): Compiled {
  const keys = pathKeys(path);
  const firstOutput = (current: unknown, vars: Vars): unknown => {
    if (body.single) return body.get(current, vars);
    let result: unknown = NONE;
    const stop = {};
    try {
      body.run(current, vars, (v) => {
        result = v;
        throw stop;
      });
    } catch (error) {
      if (error !== stop) throw error;
    }
    return result;
  };
  return single((input, vars) => {
    let current: unknown = input;
    for (const key of keys) current = getAt(current, key);
    const next = firstOutput(current, vars);
    if (next === NONE) return deletePath(input, keys, 0);
    if (next === undefined) throw new Bailout('update to a non-JSON value');
    return setPath(input, keys, 0, next);
  });
}
