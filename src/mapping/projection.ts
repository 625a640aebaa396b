import type { JqNode } from './jq/ast.js';
import { parseJq } from './jq/parser.js';

/**
 * Which parts of the input a set of programs can read, as key paths (`owner.login`). Most of jq-wasm's time goes into
 * parsing its input, so sending only those keys makes jq calls several times faster. The
 * analysis is conservative: any use of the whole input (`.` as a value, `keys`, `.[]`, a builtin
 * applied to `.`, `. as $x`), or syntax the parser does not know, means "everything".
 */

const EVERYTHING = 'everything';
/** Key paths, each joined with NUL; a path means "this whole subtree". */
type Uses = Set<string> | typeof EVERYTHING;
const SEP = '\u0000';

/** `.a.b.c` as ['a', 'b', 'c'] when `node` is a chain of literal keys on `.`, else undefined. */
function literalPath(node: JqNode): string[] | undefined {
  if (node.t === 'identity') return [];
  if (node.t === 'index' && node.key.t === 'literal' && typeof node.key.value === 'string') {
    const base = literalPath(node.target);
    return base === undefined ? undefined : [...base, node.key.value];
  }
  return undefined;
}

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
    case 'index': {
      const path = literalPath(node);
      if (path !== undefined) return atRoot ? new Set([path.join(SEP)]) : new Set();
      return union(uses(node.target, atRoot), uses(node.key, atRoot));
    }
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
    case 'update':
      // The result is the whole input with one path changed.
      return atRoot ? EVERYTHING : new Set();
    case 'call': {
      if (atRoot && !INPUT_FREE.has(`${node.name}/${node.args.length}`)) return EVERYTHING;
      return node.args.reduce<Uses>((acc, a) => union(acc, uses(a, atRoot)), new Set());
    }
  }
}

/** A tree of the keys to keep; an empty tree keeps the whole subtree. */
export interface ProjectionTree {
  [key: string]: ProjectionTree;
}

/** What the programs read, or undefined when they may read the whole record. */
export function projectionTree(programs: string[]): ProjectionTree | undefined {
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
  // Shorter paths first, so a subtree kept whole absorbs the longer paths under it.
  const paths = [...all].map((p) => p.split(SEP)).sort((a, b) => a.length - b.length);
  const root: ProjectionTree = Object.create(null) as ProjectionTree;
  const whole = new Set<ProjectionTree>();
  for (const path of paths) {
    let node = root;
    let absorbed = false;
    for (let i = 0; i < path.length && !absorbed; i++) {
      const key = path[i]!;
      let child = node[key];
      if (child === undefined) {
        child = Object.create(null) as ProjectionTree;
        node[key] = child;
        if (i === path.length - 1) whole.add(child);
      } else if (whole.has(child)) {
        absorbed = true;
      }
      node = child;
    }
  }
  return root;
}

/**
 * The record cut down to the tree (absent keys stay absent, so `.x` still gives null; a value
 * that is not an object is kept whole, so indexing it still fails as it would have).
 */
export function project(value: unknown, tree: ProjectionTree): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(tree);
  if (keys.length === 0) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (!Object.hasOwn(source, k)) continue;
    const v = project(source[k], tree[k]!);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}
