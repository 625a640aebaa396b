import { UnsupportedJq, type JqNode } from './ast.js';
import { SAFE_SUBJECT, compileRegex } from './regex.js';
import { Bailout, describe } from './values.js';
import { fail, multi, single, type Compiled } from './kit.js';

/**
 * jq's regex built-ins with a literal regex and flags, within the regex subset (regex.ts):
 * `test`, `sub` and `gsub` (the replacement is any single-output expression, evaluated on the
 * match's named captures, as in `sub("(?<h>\\d+)"; "\(.h)h")`), and `capture`.
 */

function literalString(node: JqNode | undefined): string {
  if (node?.t === 'literal' && typeof node.value === 'string') return node.value;
  throw new UnsupportedJq('regex arguments must be string literals');
}

function subject(input: unknown): string {
  if (typeof input !== 'string') return fail(`${describe(input)} cannot be matched, as it is not a string`);
  if (!SAFE_SUBJECT.test(input)) throw new Bailout('regex on non-ASCII or multi-line text');
  return input;
}

/** The named captures of a match, in pattern order; a group that did not take part is null. */
function captures(match: RegExpExecArray): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(match.groups ?? {})) out[name] = value ?? null;
  return out;
}

/** Compiles a regex call, or returns undefined for any other function. */
export function compileRegexCall(name: string, args: JqNode[], compileArg: (node: JqNode) => Compiled): Compiled | undefined {
  const arity = args.length;
  const isTest = name === 'test' && (arity === 1 || arity === 2);
  const isSub = (name === 'sub' || name === 'gsub') && (arity === 2 || arity === 3);
  const isCapture = name === 'capture' && (arity === 1 || arity === 2);
  if (!isTest && !isSub && !isCapture) return undefined;

  const pattern = literalString(args[0]);
  const flagIndex = isSub ? 2 : 1;
  const flags = arity > flagIndex ? literalString(args[flagIndex]) : '';
  const re = compileRegex(pattern, flags.replace('g', ''));
  const global = name === 'gsub' || flags.includes('g');

  if (isTest) return single((input) => re.once.test(subject(input)));

  if (isCapture) {
    if (!global) {
      return multi((input, _vars, emit) => {
        const m = re.once.exec(subject(input));
        if (m !== null) emit(captures(m));
      });
    }
    return multi((input, _vars, emit) => {
      const s = subject(input);
      const g = re.global;
      g.lastIndex = 0;
      for (let m = g.exec(s); m !== null; m = g.exec(s)) {
        if (m[0] === '') throw new Bailout('empty regex match');
        emit(captures(m));
      }
    });
  }

  const replacementNode = args[1]!;
  const constant = replacementNode.t === 'literal' && typeof replacementNode.value === 'string' ? replacementNode.value : undefined;
  const replacementProgram = constant === undefined ? compileArg(replacementNode) : undefined;
  if (replacementProgram !== undefined && !replacementProgram.single) throw new UnsupportedJq('sub replacement with several outputs');
  const replace = (m: RegExpExecArray, vars: unknown[]): string => {
    if (constant !== undefined) return constant;
    const text = replacementProgram!.get(captures(m), vars);
    return typeof text === 'string' ? text : fail(`${describe(text)} cannot be added to a string`);
  };
  return single((input, vars) => {
    const s = subject(input);
    if (!global) {
      const m = re.once.exec(s);
      if (m === null) return s;
      if (m[0] === '') throw new Bailout('empty regex match');
      return s.slice(0, m.index) + replace(m, vars) + s.slice(m.index + m[0].length);
    }
    const g = re.global;
    g.lastIndex = 0;
    let out = '';
    let last = 0;
    for (let m = g.exec(s); m !== null; m = g.exec(s)) {
      // jq and JavaScript step over empty matches differently.
      if (m[0] === '') throw new Bailout('empty regex match');
      out += s.slice(last, m.index) + replace(m, vars);
      last = m.index + m[0].length;
    }
    return out + s.slice(last);
  });
}
