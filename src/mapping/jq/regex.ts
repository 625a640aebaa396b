import { UnsupportedJq } from './ast.js';

/**
 * jq's regexes are Oniguruma's (Perl_NT syntax). For the subset below, on single-line
 * printable-ASCII input, JavaScript's RegExp matches exactly the same text; anything else is
 * left to jq (compile time: `UnsupportedJq`; run time: the caller bails out on other input).
 */

const QUANTIFIER = /^\{\d+(?:,\d*)?\}/;
const ESCAPABLE = new Set(['.', '\\', '[', ']', '(', ')', '*', '+', '?', '{', '}', '|', '^', '$', '/', '-', 'd', 'D', 's', 'S', 'w', 'W']);
const CLASS_ESCAPABLE = new Set(['\\', ']', '[', '-', '.', '/', '^', 'd', 's', 'w', 'D', 'S', 'W']);

function checkPattern(pattern: string): void {
  let i = 0;
  let depth = 0;
  let lastWasQuantifiable = false;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const code = c.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) throw new UnsupportedJq('regex with non-ASCII or control characters');
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined || !ESCAPABLE.has(e)) throw new UnsupportedJq(`regex escape \\${e ?? ''}`);
      i += 2;
      lastWasQuantifiable = true;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++; // a leading ] is literal in both engines
      for (;;) {
        const d = pattern[j];
        if (d === undefined) throw new UnsupportedJq('unterminated class');
        if (d === ']') break;
        if (d === '[' || d === '&') throw new UnsupportedJq('nested class or class operator');
        if (d === '\\') {
          const e = pattern[j + 1];
          if (e === undefined || !CLASS_ESCAPABLE.has(e)) throw new UnsupportedJq('class escape');
          j += 2;
          continue;
        }
        const dc = d.charCodeAt(0);
        if (dc < 0x20 || dc > 0x7e) throw new UnsupportedJq('non-ASCII class');
        j++;
      }
      i = j + 1;
      lastWasQuantifiable = true;
      continue;
    }
    if (c === '(') {
      const rest = pattern.slice(i + 1);
      if (rest.startsWith('?:') || rest.startsWith('?=') || rest.startsWith('?!')) i += 3;
      else if (/^\?<[A-Za-z_][A-Za-z0-9_]*>/.test(rest)) i += 1 + rest.indexOf('>') + 1;
      else if (rest.startsWith('?')) throw new UnsupportedJq('regex group kind');
      else i += 1;
      depth++;
      lastWasQuantifiable = false;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw new UnsupportedJq('unbalanced regex');
      depth--;
      i++;
      lastWasQuantifiable = true;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (!lastWasQuantifiable) throw new UnsupportedJq('quantifier without operand');
      if (c === '{') {
        const q = QUANTIFIER.exec(pattern.slice(i));
        if (!q) throw new UnsupportedJq('brace that is not a quantifier');
        i += q[0].length;
      } else {
        i++;
      }
      // A lazy `?` is fine; possessive `+` is Oniguruma-only; a second quantifier is an error in JS.
      if (pattern[i] === '?') i++;
      if (pattern[i] === '+' || pattern[i] === '*' || pattern[i] === '{') throw new UnsupportedJq('possessive or stacked quantifier');
      lastWasQuantifiable = false;
      continue;
    }
    lastWasQuantifiable = c !== '|' && c !== '^' && c !== '$';
    i++;
  }
  if (depth !== 0) throw new UnsupportedJq('unbalanced regex');
}

export interface CompiledRegex {
  /** Global variant for gsub; sticky state is reset by each use. */
  global: RegExp;
  once: RegExp;
}

/** Compiles a jq regex literal and flags literal, or throws `UnsupportedJq`. */
export function compileRegex(pattern: string, flags: string): CompiledRegex {
  if (!/^[gi]*$/.test(flags)) throw new UnsupportedJq(`regex flags ${flags}`);
  checkPattern(pattern);
  const insensitive = flags.includes('i') ? 'i' : '';
  try {
    return { global: new RegExp(pattern, `g${insensitive}`), once: new RegExp(pattern, insensitive) };
  } catch {
    throw new UnsupportedJq('regex JavaScript rejects');
  }
}

/** Input on which the subset behaves identically in both engines: one line of printable ASCII. */
export const SAFE_SUBJECT = /^[\x20-\x7e\t]*$/;
