/**
 * The jq subset Ocean Custom configurations use almost always, evaluated as JavaScript with jq's
 * semantics: `.`, paths (`.a.b`, `."a-b"`, `.["a"]`, `.[0]`, `.[-1]`), literals (`true`,
 * `"x"`, `42`, `null`) and `<path or literal> == / != <path or literal>`. Anything else gives
 * `undefined` and goes to jq-wasm.
 */

type Segment = { key: string } | { index: number };
type Operand = { path: Segment[] } | { literal: unknown };
type Compiled = (input: unknown) => unknown[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

class Cursor {
  position = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position++;
  }
  rest(): string {
    return this.text.slice(this.position);
  }
  done(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }
}

/** The JavaScript evaluation of `source`, or undefined when it is outside the subset. */
export function compileFastPath(source: string): Compiled | undefined {
  const cursor = new Cursor(source);
  const left = operand(cursor);
  if (left === undefined) return undefined;
  if (cursor.done()) return (input) => [evaluate(left, input)];
  cursor.skipSpace();
  const operator = /^(==|!=)/.exec(cursor.rest())?.[0];
  if (operator === undefined) return undefined;
  cursor.position += 2;
  const right = operand(cursor);
  if (right === undefined || !cursor.done()) return undefined;
  return (input) => {
    const equal = jqEqual(evaluate(left, input), evaluate(right, input));
    return [operator === '==' ? equal : !equal];
  };
}

function operand(cursor: Cursor): Operand | undefined {
  cursor.skipSpace();
  const rest = cursor.rest();
  if (rest.startsWith('.')) return path(cursor);
  const keyword = /^(true|false|null)(?![A-Za-z0-9_])/.exec(rest);
  if (keyword) {
    cursor.position += keyword[0].length;
    return { literal: keyword[1] === 'true' ? true : keyword[1] === 'false' ? false : null };
  }
  const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?(?![A-Za-z0-9_.])/.exec(rest);
  if (number) {
    cursor.position += number[0].length;
    return { literal: Number(number[0]) };
  }
  if (rest.startsWith('"')) {
    const text = stringLiteral(cursor);
    return text === undefined ? undefined : { literal: text };
  }
  return undefined;
}

function path(cursor: Cursor): Operand | undefined {
  const segments: Segment[] = [];
  cursor.position++; // the leading dot: `.` alone is the input itself
  const first = segmentAfterDot(cursor);
  if (first === null) return undefined;
  if (first !== undefined) segments.push(first);
  for (;;) {
    const rest = cursor.rest();
    let segment: Segment | null | undefined;
    if (rest.startsWith('[')) {
      segment = bracket(cursor) ?? null;
    } else if (rest.startsWith('.')) {
      cursor.position++;
      segment = segmentAfterDot(cursor);
      if (segment === undefined) return undefined; // `..`, `.a.` and the like
    } else {
      return { path: segments };
    }
    if (segment === null) return undefined;
    segments.push(segment);
  }
}

/** The segment right after a dot: a name, a quoted name or a bracket; undefined when none, null when malformed. */
function segmentAfterDot(cursor: Cursor): Segment | null | undefined {
  const rest = cursor.rest();
  const ident = IDENT.exec(rest);
  if (ident) {
    cursor.position += ident[0].length;
    return { key: ident[0] };
  }
  if (rest.startsWith('"')) {
    const key = stringLiteral(cursor);
    return key === undefined ? null : { key };
  }
  if (rest.startsWith('[')) return bracket(cursor) ?? null;
  return undefined;
}

function bracket(cursor: Cursor): Segment | undefined {
  cursor.position++; // [
  cursor.skipSpace();
  let segment: Segment | undefined;
  const rest = cursor.rest();
  const index = /^-?\d+/.exec(rest);
  if (index) {
    segment = { index: Number(index[0]) };
    cursor.position += index[0].length;
  } else if (rest.startsWith('"')) {
    const key = stringLiteral(cursor);
    if (key === undefined) return undefined;
    segment = { key };
  } else {
    return undefined;
  }
  cursor.skipSpace();
  if (!cursor.rest().startsWith(']')) return undefined;
  cursor.position++;
  return segment;
}

/** A JSON-compatible double-quoted string; jq's `\(...)` interpolation is left to jq-wasm. */
function stringLiteral(cursor: Cursor): string | undefined {
  const match = /^"(?:[^"\\]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/.exec(cursor.rest());
  if (!match) return undefined;
  cursor.position += match[0].length;
  return JSON.parse(match[0]) as string;
}

function evaluate(operand: Operand, input: unknown): unknown {
  if ('literal' in operand) return operand.literal;
  let value = input;
  for (const segment of operand.path) {
    if (value === null || value === undefined) {
      value = null;
      continue;
    }
    if ('key' in segment) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`Cannot index ${jqType(value)} with "${segment.key}"`);
      value = Object.prototype.hasOwnProperty.call(value, segment.key) ? (value as Record<string, unknown>)[segment.key] : null;
    } else {
      if (!Array.isArray(value)) throw new Error(`Cannot index ${jqType(value)} with number`);
      const at = segment.index < 0 ? value.length + segment.index : segment.index;
      value = at >= 0 && at < value.length ? value[at] : null;
    }
  }
  return value === undefined ? null : value;
}

function jqType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** jq's equality: by value, objects regardless of key order. */
export function jqEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => jqEqual(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && jqEqual(left[key], right[key]));
}
