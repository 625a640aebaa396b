/**
 * jq's value semantics on plain JSON values (ordering, equality, string conversion), written so
 * that the fast path gives jq 1.8's results. Where JavaScript cannot reproduce jq's output
 * exactly (number formats jq prints differently, non-BMP ordering corner cases), the code throws
 * `Bailout` and the engine asks jq-wasm for that record instead of guessing.
 */

/** A jq runtime error (what `error(...)` or a type error raises inside jq). */
export class JqRuntimeError extends Error {
  override name = 'JqRuntimeError';
}

/** The fast path cannot prove it matches jq for this input: evaluate with jq-wasm instead. */
export class Bailout extends Error {
  override name = 'Bailout';
}

export type JqType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/**
 * Records should be JSON values, but a plugin may hand over a Date (Ocean turns datetimes into
 * ISO strings before jq sees them) or another non-JSON value. jq-wasm sees what JSON.stringify
 * makes of it; the fast path leaves such records to jq rather than guess.
 */
export function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function typeOf(v: unknown): JqType {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'object':
      if (Array.isArray(v)) return 'array';
      if (isPlainObject(v)) return 'object';
      throw new Bailout('non-JSON value');
    default:
      throw new Bailout('non-JSON value');
  }
}

export function isTruthy(v: unknown): boolean {
  return v !== null && v !== false;
}

const TYPE_RANK: Record<JqType, number> = { null: 0, boolean: 1, number: 3, string: 4, array: 5, object: 6 };

/** Compares strings by Unicode code point, as jq does (byte order of UTF-8). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800-DFFF) encode code points above U+FFFF, which sort after U+E000-FFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      // A surrogate stands for a code point above U+FFFF, so it sorts after any BMP unit.
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort(compareStrings);
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compareValues(a: unknown, b: unknown): number {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) {
    const ra = ta === 'boolean' ? (a ? 2 : 1) : TYPE_RANK[ta];
    const rb = tb === 'boolean' ? (b ? 2 : 1) : TYPE_RANK[tb];
    return ra < rb ? -1 : 1;
  }
  switch (ta) {
    case 'null':
      return 0;
    case 'boolean':
      return a === b ? 0 : a ? 1 : -1;
    case 'number':
      return (a as number) < (b as number) ? -1 : (a as number) === (b as number) ? 0 : 1;
    case 'string':
      return compareStrings(a as string, b as string);
    case 'array': {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < x.length && i < y.length; i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kc = compareValues(sortedKeys(x), sortedKeys(y));
      if (kc !== 0) return kc;
      for (const k of sortedKeys(x)) {
        const c = compareValues(x[k], y[k]);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return compareValues(a, b) === 0;
}

/**
 * A number as jq 1.8 prints it. jq keeps the text of numbers read from input (decNumber) and
 * prints computed ones with its own dtoa; both agree with JavaScript only in this range.
 */
export function numberToString(n: number): string {
  if (Object.is(n, -0) || !Number.isFinite(n)) throw new Bailout('number format');
  const abs = Math.abs(n);
  if (Number.isInteger(n)) {
    if (abs < 1e15) return String(n);
    throw new Bailout('number format');
  }
  if (abs >= 1e-4 && abs < 1e15) {
    const s = String(n);
    if (!s.includes('e')) return s;
  }
  throw new Bailout('number format');
}

function escapeString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c < 0x20 || c === 0x7f) {
      rep = c === 0x0a ? '\\n' : c === 0x09 ? '\\t' : c === 0x0d ? '\\r' : c === 0x08 ? '\\b' : c === 0x0c ? '\\f' : '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // jq replaces lone surrogates; proper pairs pass through. Not worth replicating.
      throw new Bailout('surrogate in string');
    }
    if (rep !== undefined) {
      out += s.slice(from, i) + rep;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

/** jq's `tojson`: compact JSON with jq's escapes and number formats. */
export function toJson(v: unknown): string {
  switch (typeOf(v)) {
    case 'null':
      return 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return numberToString(v as number);
    case 'string':
      return escapeString(v as string);
    case 'array':
      return '[' + (v as unknown[]).map(toJson).join(',') + ']';
    default: {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      checkKeyOrder(keys);
      return '{' + keys.map((k) => escapeString(k) + ':' + toJson(o[k])).join(',') + '}';
    }
  }
}

const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * JavaScript lists integer-like keys first; jq keeps insertion order. Objects built from parsed
 * input agree (jq sees the same JSON text), but anything order-sensitive over other objects is
 * left to jq.
 */
export function checkKeyOrder(keys: string[]): void {
  for (const k of keys) if (INDEX_KEY.test(k)) throw new Bailout('integer-like object key');
}

export function toStringValue(v: unknown): string {
  return typeof v === 'string' ? v : toJson(v);
}

/** How jq names a value in error messages; the message text is not compared between engines. */
export function describe(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? 'null';
  } catch {
    text = '...';
  }
  if (text.length > 11) text = text.slice(0, 10) + '...';
  return `${typeOf(v)} (${text})`;
}

export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}
