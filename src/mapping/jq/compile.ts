import { UnsupportedJq, type BinaryOperator, type JqNode } from './ast.js';
import { parseJq } from './parser.js';
import { CONTAINS_BUILTINS } from './builtins/contains.js';
import { DATE_BUILTINS } from './builtins/dates.js';
import { ENTRIES_BUILTINS } from './builtins/entries.js';
import { FROMJSON_BUILTINS } from './builtins/fromjson.js';
import { QUANTIFIER_BUILTINS } from './builtins/quantifiers.js';
import { SORTING_BUILTINS } from './builtins/sorting.js';
import { compileRegexCall } from './regex-calls.js';
import { compileUpdate } from './update.js';
import {
  checkNumber,
  fail,
  forEach,
  indexValue,
  iterate,
  jsonValue,
  multi,
  setKey,
  single,
  type Builtin,
  type Compiled,
  type CompileContext,
  type Emit,
  type Vars,
} from './kit.js';
import {
  Bailout,
  JqRuntimeError,
  codePointLength,
  compareStrings,
  compareValues,
  describe,
  isPlainObject,
  isTruthy,
  toJson,
  toStringValue,
  typeOf,
  valuesEqual,
} from './values.js';

/**
 * The fast path: turns a jq program (the subset `parseJq` accepts) into JavaScript closures.
 * Evaluation is continuation-passing: `run(input, vars, emit)` calls `emit` once per output, in
 * jq's order, so "first output wins" stops early exactly where jq's `limit(1; ...)` would, and a
 * runtime error after the first output is never seen, as in jq. Nodes that always give exactly
 * one output also expose `get`, which skips the callbacks on the hot path.
 */

/** The outcome of a mapping expression on one record, by Ocean's first-output rule. */
export type FirstOutput = { kind: 'value'; value: unknown } | { kind: 'none' } | { kind: 'error'; message: string };

export interface FastProgram {
  /** Throws `Bailout` when the fast path cannot vouch for the result on this input. */
  first(input: unknown): FirstOutput;
  /**
   * The same without allocating: the first output, or `NO_OUTPUT`; a jq error is thrown as
   * `JqRuntimeError`, and `Bailout` as above.
   */
  firstValue(input: unknown): unknown;
}

/** What `firstValue` returns when the program gives no output. */
export const NO_OUTPUT: unique symbol = Symbol('no output');


export interface FastCompileOptions {
  /** What `env` and `$ENV` give: `{}` when the operator hides the environment. */
  env: Record<string, string>;
}

const STOP = Symbol('stop');

/** Errors raised by a continuation must pass through a `try` untouched. */
class Passthrough {
  constructor(readonly inner: unknown) {}
}

function guardEmit(emit: Emit): Emit {
  return (value) => {
    try {
      emit(value);
    } catch (error) {
      throw new Passthrough(error);
    }
  };
}

function unwrapPassthrough(error: unknown): never | void {
  if (error instanceof Passthrough) throw error.inner;
  if (!(error instanceof JqRuntimeError)) throw error;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(a)) setKey(out, k, a[k]);
  for (const k of Object.keys(b)) {
    const x = out[k];
    const y = b[k];
    if (Object.hasOwn(out, k) && typeOf(x) === 'object' && typeOf(y) === 'object') {
      setKey(out, k, deepMerge(x as Record<string, unknown>, y as Record<string, unknown>));
    } else {
      setKey(out, k, y);
    }
  }
  return out;
}

export function plus(a: unknown, b: unknown): unknown {
  if (a === null) return b;
  if (b === null) return a;
  const ta = typeOf(a);
  if (ta === typeOf(b)) {
    if (ta === 'number') return checkNumber((a as number) + (b as number));
    if (ta === 'string') return (a as string) + (b as string);
    if (ta === 'array') return [...(a as unknown[]), ...(b as unknown[])];
    if (ta === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(a as object)) setKey(out, k, (a as Record<string, unknown>)[k]);
      for (const k of Object.keys(b as object)) setKey(out, k, (b as Record<string, unknown>)[k]);
      return out;
    }
  }
  return fail(`${describe(a)} and ${describe(b)} cannot be added`);
}

function splitString(s: unknown, sep: unknown): unknown[] {
  if (typeof s !== 'string' || typeof sep !== 'string') return fail('split input and separator must be strings');
  if (sep === '') throw new Bailout('split on empty string');
  return s === '' ? [] : s.split(sep);
}

function arithmetic(op: BinaryOperator, a: unknown, b: unknown): unknown {
  switch (op) {
    case '+':
      return plus(a, b);
    case '-':
      if (typeof a === 'number' && typeof b === 'number') return checkNumber(a - b);
      if (Array.isArray(a) && Array.isArray(b)) return a.filter((x) => !b.some((y) => valuesEqual(x, y)));
      return fail(`${describe(a)} and ${describe(b)} cannot be subtracted`);
    case '*':
      if (typeof a === 'number' && typeof b === 'number') return checkNumber(a * b);
      if (typeOf(a) === 'object' && typeOf(b) === 'object') {
        return deepMerge(a as Record<string, unknown>, b as Record<string, unknown>);
      }
      if ((typeof a === 'string' && typeof b === 'number') || (typeof a === 'number' && typeof b === 'string')) {
        throw new Bailout('string repetition');
      }
      return fail(`${describe(a)} and ${describe(b)} cannot be multiplied`);
    case '/':
      if (typeof a === 'number' && typeof b === 'number') {
        if (b === 0) return fail(`${describe(a)} and ${describe(b)} cannot be divided because the divisor is zero`);
        return checkNumber(a / b);
      }
      if (typeof a === 'string' && typeof b === 'string') return splitString(a, b);
      return fail(`${describe(a)} and ${describe(b)} cannot be divided`);
    case '%': {
      if (typeof a === 'number' && typeof b === 'number') {
        if (!Number.isSafeInteger(Math.trunc(a)) || !Number.isSafeInteger(Math.trunc(b))) throw new Bailout('modulo range');
        const x = Math.trunc(a);
        const y = Math.trunc(b);
        if (y === 0) return fail(`${describe(a)} and ${describe(b)} cannot be divided (remainder) because the divisor is zero`);
        const r = x % y;
        if (Object.is(r, -0)) throw new Bailout('negative zero');
        return r;
      }
      return fail(`${describe(a)} and ${describe(b)} cannot be divided (remainder)`);
    }
    case '==':
      return valuesEqual(a, b);
    case '!=':
      return !valuesEqual(a, b);
    case '<':
      return compareValues(a, b) < 0;
    case '<=':
      return compareValues(a, b) <= 0;
    case '>':
      return compareValues(a, b) > 0;
    case '>=':
      return compareValues(a, b) >= 0;
  }
}

function sliceValue(target: unknown, from: unknown, to: unknown): unknown {
  if (target === null) return null;
  if ((from !== null && typeof from !== 'number') || (to !== null && typeof to !== 'number')) {
    return fail('Start and end indices of an array slice must be numbers');
  }
  if ((from !== null && !Number.isInteger(from)) || (to !== null && !Number.isInteger(to))) throw new Bailout('fractional slice');
  const start = from === null ? undefined : (from as number);
  const end = to === null ? undefined : (to as number);
  if (Array.isArray(target)) return target.slice(start, end);
  if (typeof target === 'string') {
    if (codePointLength(target) !== target.length) throw new Bailout('slice of non-BMP string');
    return target.slice(start, end);
  }
  return fail(`Cannot index ${typeOf(target)} with object`);
}

function stringOnly(name: string, f: (s: string) => unknown): Builtin {
  return () =>
    single((input) => {
      if (typeof input !== 'string') return fail(`${describe(input)} cannot be ${name}`);
      return f(input);
    });
}

function withStringArg(name: string, f: (input: string, arg: string) => unknown): Builtin {
  return ([arg]) => {
    const a = arg!;
    const apply = (input: unknown, value: unknown): unknown => {
      if (typeof input !== 'string' || typeof value !== 'string') return fail(`${name}() requires string inputs`);
      return f(input, value);
    };
    if (a.single) return single((input, vars) => apply(input, a.get(input, vars)));
    return multi((input, vars, emit) => a.run(input, vars, (value) => emit(apply(input, value))));
  };
}

const ASCII_UPPER = /[A-Z]/g;
const ASCII_LOWER = /[a-z]/g;

const BUILTINS: Record<string, Builtin> = {
  'empty/0': () => multi(() => undefined),
  'not/0': () => single((input) => !isTruthy(input)),
  'length/0': () =>
    single((input) => {
      switch (typeOf(input)) {
        case 'null':
          return 0;
        case 'boolean':
          return fail(`${describe(input)} has no length`);
        case 'number':
          return Math.abs(input as number);
        case 'string':
          return codePointLength(input as string);
        case 'array':
          return (input as unknown[]).length;
        default:
          return Object.keys(input as object).length;
      }
    }),
  'tostring/0': () => single((input) => toStringValue(input)),
  'tojson/0': () => single((input) => toJson(input)),
  'type/0': () => single((input) => typeOf(input)),
  'tonumber/0': () =>
    single((input) => {
      if (typeof input === 'number') return input;
      if (typeof input === 'string') {
        const n = Number(input);
        // jq 1.8 parses with decNumber and keeps the text; only canonical text is safe here.
        if (input !== '' && String(n) === input && !Object.is(n, -0)) return n;
        throw new Bailout('tonumber of non-canonical text');
      }
      return fail(`${describe(input)} cannot be parsed as a number`);
    }),
  'ascii_downcase/0': stringOnly('lowercased', (s) => s.replace(ASCII_UPPER, (c) => c.toLowerCase())),
  'ascii_upcase/0': stringOnly('uppercased', (s) => s.replace(ASCII_LOWER, (c) => c.toUpperCase())),
  'floor/0': () =>
    single((input) => {
      if (typeof input !== 'number') return fail(`${describe(input)} number required`);
      return checkNumber(Math.floor(input));
    }),
  'keys/0': () =>
    single((input) => {
      if (Array.isArray(input)) return input.map((_, i) => i);
      if (typeOf(input) === 'object') return Object.keys(input as object).sort(compareStrings);
      return fail(`${describe(input)} has no keys`);
    }),
  'first/0': () => single((input) => indexValue(input, 0)),
  'last/0': () => single((input) => indexValue(input, -1)),
  'add/0': () =>
    single((input) => {
      if (!Array.isArray(input)) throw new Bailout('add over non-array');
      let acc: unknown = null;
      for (const x of input) acc = plus(acc, x);
      return acc;
    }),
  'any/0': () =>
    single((input) => {
      if (!Array.isArray(input)) throw new Bailout('any over non-array');
      return input.some(isTruthy);
    }),
  'all/0': () =>
    single((input) => {
      if (!Array.isArray(input)) throw new Bailout('all over non-array');
      return input.every(isTruthy);
    }),
  'values/0': () => multi((input, _vars, emit) => (input !== null ? emit(input) : undefined)),
  'error/0': () => single((input) => fail(typeof input === 'string' ? input : describe(input))),
  'env/0': (_args, ctx) => single(() => ctx.env),
  'select/1': ([cond]) => {
    const c = cond!;
    if (c.single) return multi((input, vars, emit) => (isTruthy(c.get(input, vars)) ? emit(input) : undefined));
    return multi((input, vars, emit) => c.run(input, vars, (v) => (isTruthy(v) ? emit(input) : undefined)));
  },
  'map/1': ([f]) => {
    const body = f!;
    return single((input, vars) => {
      const out: unknown[] = [];
      iterate(input, (x) => forEach(body, x, vars, (y) => out.push(y)));
      return out;
    });
  },
  'join/1': ([sep]) => {
    const s = sep!;
    const join = (input: unknown, separator: unknown): unknown => {
      if (Array.isArray(input) && typeof separator === 'string') {
        // The common case, without jq's reduce: strings, nulls, numbers and booleans only.
        let out = '';
        for (let i = 0; i < input.length; i++) {
          const x: unknown = input[i];
          if (i > 0) out += separator;
          if (typeof x === 'string') out += x;
          else if (x === null) continue;
          else if (typeof x === 'number' || typeof x === 'boolean') out += toJson(x);
          else return plus(out, x); // jq's error: a string and an array or object cannot be added
        }
        return out;
      }
      let acc: unknown = null;
      iterate(input, (x) => {
        const prefix = acc === null ? '' : plus(acc, separator);
        const item = x === null ? '' : typeof x === 'boolean' || typeof x === 'number' ? toJson(x) : x;
        acc = plus(prefix, item);
      });
      return isTruthy(acc) ? acc : '';
    };
    if (s.single) return single((input, vars) => join(input, s.get(input, vars)));
    return multi((input, vars, emit) => s.run(input, vars, (v) => emit(join(input, v))));
  },
  'split/1': ([sep]) => {
    const s = sep!;
    if (s.single) return single((input, vars) => splitString(input, s.get(input, vars)));
    return multi((input, vars, emit) => s.run(input, vars, (v) => emit(splitString(input, v))));
  },
  'startswith/1': withStringArg('startswith', (s, p) => s.startsWith(p)),
  'endswith/1': withStringArg('endswith', (s, p) => s.endsWith(p)),
  'ltrimstr/1': withStringArg('startswith', (s, p) => (s.startsWith(p) ? s.slice(p.length) : s)),
  'rtrimstr/1': withStringArg('endswith', (s, p) => {
    // jq versions disagree on an empty suffix; let jq answer.
    if (p === '') throw new Bailout('rtrimstr with an empty suffix');
    return s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  }),
  'has/1': ([key]) => {
    const k = key!;
    const has = (input: unknown, value: unknown): boolean => {
      if (typeOf(input) === 'object' && typeof value === 'string') return Object.hasOwn(input as object, value);
      if (Array.isArray(input) && typeof value === 'number') {
        if (!Number.isInteger(value)) throw new Bailout('has with a fractional index');
        return value >= 0 && value < input.length;
      }
      if (input === null) throw new Bailout('has on null');
      return fail(`Cannot check whether ${typeOf(input)} has a ${typeOf(value)} key`);
    };
    if (k.single) return single((input, vars) => has(input, k.get(input, vars)));
    return multi((input, vars, emit) => k.run(input, vars, (v) => emit(has(input, v))));
  },
  'first/1': ([f]) => {
    const body = f!;
    if (body.single) return body;
    return multi((input, vars, emit) => {
      let found = false;
      let value: unknown;
      const token = {};
      try {
        body.run(input, vars, (v) => {
          found = true;
          value = v;
          throw token;
        });
      } catch (error) {
        if (error !== token) throw error;
      }
      if (found) emit(value);
    });
  },
  'IN/1': ([source]) => {
    const s = source!;
    return single((input, vars) => {
      const token = {};
      try {
        forEach(s, input, vars, (v) => {
          if (valuesEqual(v, input)) throw token;
        });
      } catch (error) {
        if (error === token) return true;
        throw error;
      }
      return false;
    });
  },
  'error/1': ([f]) => multi((input, vars) => forEach(f!, input, vars, (v) => fail(typeof v === 'string' ? v : describe(v)))),
  ...CONTAINS_BUILTINS,
  ...DATE_BUILTINS,
  ...ENTRIES_BUILTINS,
  ...FROMJSON_BUILTINS,
  ...QUANTIFIER_BUILTINS,
  ...SORTING_BUILTINS,
};

function compileNode(node: JqNode, ctx: CompileContext): Compiled {
  switch (node.t) {
    case 'identity':
      return single((input) => input);
    case 'literal': {
      const value = node.value;
      return single(() => value);
    }
    case 'string':
      return compileInterpolation(node.parts, ctx);
    case 'index':
      return compileIndex(node, ctx);
    case 'slice':
      return compileSlice(node, ctx);
    case 'iterate': {
      const target = compileNode(node.target, ctx);
      const opt = node.opt;
      return multi((input, vars, emit) =>
        forEach(target, input, vars, (t) => {
          if (!opt) return iterate(t, emit);
          const guarded = guardEmit(emit);
          try {
            iterate(t, guarded);
          } catch (error) {
            unwrapPassthrough(error);
          }
        }),
      );
    }
    case 'try': {
      const body = compileNode(node.body, ctx);
      return multi((input, vars, emit) => {
        try {
          body.run(input, vars, guardEmit(emit));
        } catch (error) {
          unwrapPassthrough(error);
        }
      });
    }
    case 'array': {
      if (node.body === undefined) return single(() => []);
      const body = compileNode(node.body, ctx);
      if (body.single) return single((input, vars) => [body.get(input, vars)]);
      return single((input, vars) => {
        const out: unknown[] = [];
        body.run(input, vars, (v) => out.push(v));
        return out;
      });
    }
    case 'object':
      return compileObject(node.entries, ctx);
    case 'pipe': {
      const left = compileNode(node.left, ctx);
      const right = compileNode(node.right, ctx);
      if (left.single && right.single) return single((input, vars) => right.get(left.get(input, vars), vars));
      return multi((input, vars, emit) => forEach(left, input, vars, (v) => right.run(v, vars, emit)));
    }
    case 'comma': {
      const left = compileNode(node.left, ctx);
      const right = compileNode(node.right, ctx);
      return multi((input, vars, emit) => {
        left.run(input, vars, emit);
        right.run(input, vars, emit);
      });
    }
    case 'alt': {
      const left = compileNode(node.left, ctx);
      const right = compileNode(node.right, ctx);
      if (left.single && right.single) {
        return single((input, vars) => {
          const v = left.get(input, vars);
          return isTruthy(v) ? v : right.get(input, vars);
        });
      }
      return multi((input, vars, emit) => {
        let found = false;
        left.run(input, vars, (v) => {
          if (isTruthy(v)) {
            found = true;
            emit(v);
          }
        });
        if (!found) right.run(input, vars, emit);
      });
    }
    case 'and':
    case 'or': {
      const left = compileNode(node.left, ctx);
      const right = compileNode(node.right, ctx);
      const isAnd = node.t === 'and';
      if (left.single && right.single) {
        return single((input, vars) => {
          const l = isTruthy(left.get(input, vars));
          if (isAnd ? !l : l) return l;
          return isTruthy(right.get(input, vars));
        });
      }
      return multi((input, vars, emit) =>
        forEach(left, input, vars, (lv) => {
          const l = isTruthy(lv);
          if (isAnd ? !l : l) return emit(l);
          forEach(right, input, vars, (rv) => emit(isTruthy(rv)));
        }),
      );
    }
    case 'binop': {
      const left = compileNode(node.left, ctx);
      const right = compileNode(node.right, ctx);
      const op = node.op;
      if (left.single && right.single) return single((input, vars) => arithmetic(op, left.get(input, vars), right.get(input, vars)));
      // jq evaluates the right operand in the outer loop.
      return multi((input, vars, emit) =>
        forEach(right, input, vars, (r) => forEach(left, input, vars, (l) => emit(arithmetic(op, l, r)))),
      );
    }
    case 'neg': {
      const body = compileNode(node.body, ctx);
      const neg = (v: unknown): unknown => (typeof v === 'number' ? checkNumber(-v) : fail(`${describe(v)} cannot be negated`));
      if (body.single) return single((input, vars) => neg(body.get(input, vars)));
      return multi((input, vars, emit) => body.run(input, vars, (v) => emit(neg(v))));
    }
    case 'if':
      return compileIf(node.branches, node.otherwise, ctx);
    case 'var': {
      if (node.name === 'ENV') {
        const env = ctx.env;
        return single(() => env);
      }
      for (let i = ctx.scopes.length - 1; i >= 0; i--) {
        const slot = ctx.scopes[i]!.get(node.name);
        if (slot !== undefined) return single((_input, vars) => vars[slot]);
      }
      throw new UnsupportedJq(`unbound variable $${node.name}`);
    }
    case 'bind': {
      const source = compileNode(node.source, ctx);
      const slot = ctx.slots++;
      ctx.scopes.push(new Map([[node.name, slot]]));
      const body = compileNode(node.body, ctx);
      ctx.scopes.pop();
      if (source.single && body.single) {
        return single((input, vars) => {
          vars[slot] = source.get(input, vars);
          return body.get(input, vars);
        });
      }
      return multi((input, vars, emit) =>
        forEach(source, input, vars, (v) => {
          vars[slot] = v;
          body.run(input, vars, emit);
        }),
      );
    }
    case 'update':
      return compileUpdate(node.path, compileNode(node.body, ctx));
    case 'call': {
      if (node.name === 'del' && node.args.length === 1) return compileDel(node.args[0]!);
      const regex = compileRegexCall(node.name, node.args, (arg) => compileNode(arg, ctx));
      if (regex !== undefined) return regex;
      const builtin = BUILTINS[`${node.name}/${node.args.length}`];
      if (builtin === undefined) throw new UnsupportedJq(`function ${node.name}/${node.args.length}`);
      return builtin(
        node.args.map((a) => compileNode(a, ctx)),
        ctx,
      );
    }
  }
}

/** `del(.a.b)` for paths of literal keys: what itemsToParse's top-level transform runs. */
function compileDel(path: JqNode): Compiled {
  const keys: string[] = [];
  let node = path;
  while (node.t === 'index' && !node.opt && node.key.t === 'literal' && typeof node.key.value === 'string') {
    keys.unshift(node.key.value);
    node = node.target;
  }
  if (node.t !== 'identity' || keys.length === 0) throw new UnsupportedJq('del of a complex path');
  const del = (value: unknown, depth: number): unknown => {
    if (value === null) return null;
    if (typeOf(value) !== 'object') return fail(`Cannot delete field at object index of ${typeOf(value)}`);
    const o = value as Record<string, unknown>;
    const key = keys[depth]!;
    if (!Object.hasOwn(o, key)) return o;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      if (k !== key) setKey(out, k, o[k]);
      else if (depth < keys.length - 1) setKey(out, k, del(jsonValue(o[k]), depth + 1));
    }
    return out;
  };
  return single((input) => del(input, 0));
}

function compileIndex(node: Extract<JqNode, { t: 'index' }>, ctx: CompileContext): Compiled {
  const target = compileNode(node.target, ctx);
  const key = compileNode(node.key, ctx);
  if (!node.opt) {
    if (target.single && node.key.t === 'literal' && typeof node.key.value === 'string' && !(node.key.value in Object.prototype)) {
      // The hot path of real mappings (`.a.b`): a key no plain object inherits is own or absent.
      const k = node.key.value;
      const get = target.get;
      const field = (t: unknown): unknown => {
        if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
          if (!isPlainObject(t)) throw new Bailout('non-JSON value');
          const v = (t as Record<string, unknown>)[k];
          if (v === undefined) return null;
          // A Date (or other non-JSON object) handed out whole would differ from jq's string.
          if (typeof v === 'object' && v !== null && !Array.isArray(v) && !isPlainObject(v)) throw new Bailout('non-JSON value');
          return v;
        }
        return t === null ? null : fail(`Cannot index ${typeOf(t)} with "${k}"`);
      };
      if (node.target.t === 'identity') return single((input) => field(input));
      return single((input, vars) => field(get(input, vars)));
    }
    if (target.single && key.single) return single((input, vars) => indexValue(target.get(input, vars), key.get(input, vars)));
    return multi((input, vars, emit) =>
      forEach(key, input, vars, (k) => forEach(target, input, vars, (t) => emit(indexValue(t, k)))),
    );
  }
  return multi((input, vars, emit) =>
    forEach(key, input, vars, (k) =>
      forEach(target, input, vars, (t) => {
        let v: unknown;
        try {
          v = indexValue(t, k);
        } catch (error) {
          if (error instanceof JqRuntimeError) return;
          throw error;
        }
        emit(v);
      }),
    ),
  );
}

function compileSlice(node: Extract<JqNode, { t: 'slice' }>, ctx: CompileContext): Compiled {
  const target = compileNode(node.target, ctx);
  const from = node.from === undefined ? single(() => null) : compileNode(node.from, ctx);
  const to = node.to === undefined ? single(() => null) : compileNode(node.to, ctx);
  const opt = node.opt;
  return multi((input, vars, emit) =>
    forEach(to, input, vars, (b) =>
      forEach(from, input, vars, (a) =>
        forEach(target, input, vars, (t) => {
          let v: unknown;
          try {
            v = sliceValue(t, a, b);
          } catch (error) {
            if (opt && error instanceof JqRuntimeError) return;
            throw error;
          }
          emit(v);
        }),
      ),
    ),
  );
}

function compileInterpolation(parts: (string | JqNode)[], ctx: CompileContext): Compiled {
  const compiled = parts.map((p) => (typeof p === 'string' ? p : compileNode(p, ctx)));
  if (compiled.every((p) => typeof p === 'string' || p.single)) {
    return single((input, vars) => {
      let out = '';
      for (const p of compiled) out += typeof p === 'string' ? p : toStringValue(p.get(input, vars));
      return out;
    });
  }
  // jq builds interpolations right to left, so the last interpolated stream varies slowest.
  return multi((input, vars, emit) => {
    const step = (i: number, suffix: string): void => {
      if (i < 0) return emit(suffix);
      const p = compiled[i]!;
      if (typeof p === 'string') return step(i - 1, p + suffix);
      forEach(p, input, vars, (v) => step(i - 1, toStringValue(v) + suffix));
    };
    step(compiled.length - 1, '');
  });
}

function compileObject(entries: { key: JqNode; value: JqNode }[], ctx: CompileContext): Compiled {
  const compiled = entries.map((e) => ({ key: compileNode(e.key, ctx), value: compileNode(e.value, ctx) }));
  const keyOf = (k: unknown): string => (typeof k === 'string' ? k : fail(`Object keys must be strings`));
  if (compiled.every((e) => e.key.single && e.value.single)) {
    return single((input, vars) => {
      const out: Record<string, unknown> = {};
      for (const e of compiled) {
        const k = keyOf(e.key.get(input, vars));
        setKey(out, k, e.value.get(input, vars));
      }
      return out;
    });
  }
  return multi((input, vars, emit) => {
    const step = (i: number, acc: [string, unknown][]): void => {
      if (i === compiled.length) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of acc) setKey(out, k, v);
        return emit(out);
      }
      const e = compiled[i]!;
      forEach(e.key, input, vars, (k) => forEach(e.value, input, vars, (v) => step(i + 1, [...acc, [keyOf(k), v]])));
    };
    step(0, []);
  });
}

function compileIf(branches: { cond: JqNode; then: JqNode }[], otherwise: JqNode | undefined, ctx: CompileContext): Compiled {
  const [first, ...rest] = branches;
  const cond = compileNode(first!.cond, ctx);
  const then = compileNode(first!.then, ctx);
  const other = rest.length > 0 ? compileIf(rest, otherwise, ctx) : otherwise === undefined ? single((input) => input) : compileNode(otherwise, ctx);
  if (cond.single && then.single && other.single) {
    return single((input, vars) => (isTruthy(cond.get(input, vars)) ? then.get(input, vars) : other.get(input, vars)));
  }
  return multi((input, vars, emit) =>
    forEach(cond, input, vars, (c) => (isTruthy(c) ? then.run(input, vars, emit) : other.run(input, vars, emit))),
  );
}

/**
 * Compiles `program` for the fast path, or throws `UnsupportedJq` if it uses anything outside
 * the subset. The program text must already have Ocean's single-quote rewrite applied.
 */
export function compileFast(program: string, options: FastCompileOptions): FastProgram {
  const ctx: CompileContext = { env: options.env, scopes: [], slots: 0 };
  const root = compileNode(parseJq(program), ctx);
  const slots = ctx.slots;
  // Programs without variables share one empty frame: nothing ever writes to it.
  const frame = (): Vars => (slots === 0 ? NO_VARS : new Array<unknown>(slots));
  const firstValue = root.single
    ? (input: unknown): unknown => {
        try {
          return root.get(input, frame());
        } catch (error) {
          throw normalise(error);
        }
      }
    : (input: unknown): unknown => {
        let result: unknown = NO_OUTPUT;
        try {
          root.run(input, frame(), (value) => {
            result = value;
            throw STOP;
          });
        } catch (error) {
          if (error !== STOP) throw normalise(error);
        }
        return result;
      };
  return {
    firstValue,
    first(input) {
      try {
        const value = firstValue(input);
        return value === NO_OUTPUT ? { kind: 'none' } : { kind: 'value', value };
      } catch (error) {
        if (error instanceof JqRuntimeError) return { kind: 'error', message: error.message };
        throw error;
      }
    },
  };
}

const NO_VARS: Vars = Object.freeze([]) as unknown as Vars;

/** Only jq errors and bailouts leave the fast path; anything else (a stack overflow on deep data) is a bailout. */
function normalise(error: unknown): Error {
  if (error instanceof JqRuntimeError || error instanceof Bailout) return error;
  return new Bailout(error instanceof Error ? error.message : String(error));
}
