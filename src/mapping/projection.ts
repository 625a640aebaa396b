import type { JqNode } from './jq/ast.js';
import { parseJq } from './jq/parser.js';

/**
 * Which top-level keys of the input a set of programs can read. Most of jq-wasm's time goes into
 * parsing its input, so sending only those keys makes jq calls several times faster. The
 * analysis is conservative: any use of the whole input (`.` as a value, `keys`, `.[]`, a builtin
 * applied to `.`, `. as $x`), or syntax the parser does not know, means "everything".
 */

const EVERYTHING = 'everything';
type Uses = Set<string> | typeof EVERYTHING;

/** Builtins whose result does not depend on their input. */
const INPUT_FREE = new Set(['empty/0', 'env/0', 'error/1', 'true/0', 'false/0', 'null/0']);

function union(a: Uses, b: Uses): Uses {
  if (a === EVERYTHING || b === EVERYTHING) return EVERYTHING;
  for (const k of b) a.add(k);
  return a;
}

/** `atRoot`: whether `.` at this point is the record itself. */
function uses(node: JqNode, atRoot: boolean): Uses {
  switch (node.t) {
    case 'identity':
      return atRoot ? EVERYTHING : new Set();
    case 'literal':
    case 'var':
      return new Set();
    case 'index':
      if (node.target.t === 'identity' && node.key.t === 'literal' && typeof node.key.value === 'string') {
        return atRoot ? new Set([node.key.value]) : new Set();
      }
      return union(uses(node.target, atRoot), uses(node.key, atRoot));
    case 'slice':
      return [node.from, node.to].reduce<Uses>((acc, n) => (n ? union(acc, uses(n, atRoot)) : acc), uses(node.target, atRoot));
    case 'iterate':
    case 'try':
    case 'neg':
      return uses(node.t === 'iterate' ? node.target : node.body, atRoot);
    case 'array':
      return node.body ? uses(node.body, atRoot) : new Set();
    case 'string':
      return node.parts.reduce<Uses>((acc, p) => (typeof p === 'string' ? acc : union(acc, uses(p, atRoot))), new Set());
    case 'object':
      return node.entries.reduce<Uses>((acc, e) => union(union(acc, uses(e.key, atRoot)), uses(e.value, atRoot)), new Set());
    case 'pipe':
      return union(uses(node.left, atRoot), uses(node.right, false));
    case 'bind':
      // `$x` may hold the record itself only if the source can output it, which `uses` reports.
      return union(uses(node.source, atRoot), uses(node.body, atRoot));
    case 'comma':
    case 'alt':
    case 'and':
    case 'or':
    case 'binop':
      return union(uses(node.left, atRoot), uses(node.right, atRoot));
    case 'if':
      return node.branches.reduce<Uses>(
        (acc, b) => union(union(acc, uses(b.cond, atRoot)), uses(b.then, atRoot)),
        node.otherwise ? uses(node.otherwise, atRoot) : atRoot ? EVERYTHING : new Set(),
      );
    case 'call': {
      if (atRoot && !INPUT_FREE.has(`${node.name}/${node.args.length}`)) return EVERYTHING;
      return node.args.reduce<Uses>((acc, a) => union(acc, uses(a, atRoot)), new Set());
    }
  }
}

/** The top-level keys the programs read, or undefined when they may read the whole record. */
export function projectionKeys(programs: string[]): string[] | undefined {
  let all: Uses = new Set();
  for (const program of programs) {
    let ast: JqNode;
    try {
      ast = parseJq(program);
    } catch {
      return undefined;
    }
    all = union(all, uses(ast, true));
    if (all === EVERYTHING) return undefined;
  }
  return [...all];
}

/** The record cut down to `keys` (absent keys stay absent, so `.x` still gives null). */
export function project(record: unknown, keys: string[]): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const source = record as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (Object.hasOwn(source, k)) {
      if (k === '__proto__') Object.defineProperty(out, k, { value: source[k], enumerable: true, writable: true, configurable: true });
      else out[k] = source[k];
    }
  }
  return out;
}
