import { UnsupportedJq, type BinaryOperator, type JqNode } from './ast.js';

/**
 * A recursive-descent parser for the jq subset the fast path compiles. It follows jq 1.8's
 * grammar and precedence for what it accepts; for anything else it throws `UnsupportedJq`.
 * Accepting a program jq itself would reject is harmless: every expression is also compiled by
 * jq-wasm, and jq's verdict on validity is the one the engine uses.
 */

type Token =
  | { k: 'punct'; v: string }
  | { k: 'field'; v: string }
  | { k: 'ident'; v: string }
  | { k: 'var'; v: string }
  | { k: 'num'; v: number }
  | { k: 'str'; parts: (string | Token[])[] }
  | { k: 'eof' };

const KEYWORDS = new Set([
  'def', 'if', 'then', 'elif', 'else', 'end', 'as', 'reduce', 'foreach', 'try', 'catch', 'label',
  'import', 'include', 'and', 'or', '__loc__',
]);

const PUNCTUATION = [
  '?//=', '?//', '//=', '|=', '+=', '-=', '*=', '/=', '%=', '==', '!=', '<=', '>=', '//', '..',
  '.', '[', ']', '{', '}', '(', ')', '|', ',', ':', ';', '?', '+', '-', '*', '/', '%', '<', '>', '=',
];

const IDENT_START = /[a-zA-Z_]/;
const IDENT_CHAR = /[a-zA-Z_0-9]/;
const NUMBER_RE = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;

function lex(src: string, start: number, untilParen: boolean): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = start;
  let depth = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      // jq 1.8 lets a backslash continue a comment onto the next line; leave such text to jq.
      const nl = src.indexOf('\n', i);
      const comment = src.slice(i, nl === -1 ? src.length : nl);
      if (comment.includes('\\')) throw new UnsupportedJq('backslash in comment');
      i = nl === -1 ? src.length : nl + 1;
      continue;
    }
    if (c === '"') {
      const { token, end } = lexString(src, i + 1);
      tokens.push(token);
      i = end;
      continue;
    }
    if (c === '$') {
      let j = i + 1;
      if (!IDENT_START.test(src[j] ?? '')) throw new UnsupportedJq('unsupported $ syntax');
      while (IDENT_CHAR.test(src[j] ?? '')) j++;
      if (src.slice(j, j + 2) === '::') throw new UnsupportedJq('module variable');
      tokens.push({ k: 'var', v: src.slice(i + 1, j) });
      i = j;
      continue;
    }
    if (c === '.' && IDENT_START.test(src[i + 1] ?? '')) {
      let j = i + 1;
      while (IDENT_CHAR.test(src[j] ?? '')) j++;
      tokens.push({ k: 'field', v: src.slice(i + 1, j) });
      i = j;
      continue;
    }
    const num = NUMBER_RE.exec(src.slice(i, i + 64));
    if (num && (c !== '.' || /[0-9]/.test(src[i + 1] ?? ''))) {
      const text = num[0];
      const value = Number(text);
      // jq 1.8 keeps a literal's text (1.0 prints as 1.0); only canonical literals behave like JS numbers.
      if (!Number.isFinite(value) || String(value) !== text) throw new UnsupportedJq('non-canonical number literal');
      tokens.push({ k: 'num', v: value });
      i += text.length;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i;
      while (IDENT_CHAR.test(src[j] ?? '')) j++;
      if (src.slice(j, j + 2) === '::') throw new UnsupportedJq('module reference');
      tokens.push({ k: 'ident', v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '@') throw new UnsupportedJq('format strings');
    const punct = PUNCTUATION.find((p) => src.startsWith(p, i));
    if (punct === undefined) throw new UnsupportedJq(`unexpected character ${c}`);
    if (untilParen) {
      if (punct === '(') depth++;
      if (punct === ')') {
        if (depth === 0) return { tokens: [...tokens, { k: 'eof' }], end: i + 1 };
        depth--;
      }
    }
    tokens.push({ k: 'punct', v: punct });
    i += punct.length;
  }
  if (untilParen) throw new UnsupportedJq('unterminated interpolation');
  tokens.push({ k: 'eof' });
  return { tokens, end: i };
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '\\': '\\', '/': '/', '"': '"' };

function lexString(src: string, start: number): { token: Token; end: number } {
  const parts: (string | Token[])[] = [];
  let text = '';
  let i = start;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"') {
      if (text !== '' || parts.length === 0) parts.push(text);
      return { token: { k: 'str', parts }, end: i + 1 };
    }
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) break;
      if (e === '(') {
        if (text !== '') parts.push(text);
        text = '';
        const inner = lex(src, i + 2, true);
        parts.push(inner.tokens);
        i = inner.end;
        continue;
      }
      if (e === 'u') {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new UnsupportedJq('bad \\u escape');
        const code = parseInt(hex, 16);
        // Surrogate pairs and lone surrogates are decoded differently by jq; let jq handle them.
        if (code >= 0xd800 && code <= 0xdfff) throw new UnsupportedJq('surrogate escape');
        text += String.fromCharCode(code);
        i += 6;
        continue;
      }
      const mapped = ESCAPES[e];
      if (mapped === undefined) throw new UnsupportedJq('unknown escape');
      text += mapped;
      i += 2;
      continue;
    }
    const code = c.charCodeAt(0);
    if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) throw new UnsupportedJq('raw control or surrogate in string');
    text += c;
    i++;
  }
  throw new UnsupportedJq('unterminated string');
}

class Parser {
  #tokens: Token[];
  #pos = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  peek(): Token {
    return this.#tokens[this.#pos]!;
  }

  next(): Token {
    return this.#tokens[this.#pos++]!;
  }

  isPunct(v: string): boolean {
    const t = this.peek();
    return t.k === 'punct' && t.v === v;
  }

  isIdent(v: string): boolean {
    const t = this.peek();
    return t.k === 'ident' && t.v === v;
  }

  expectPunct(v: string): void {
    if (!this.isPunct(v)) throw new UnsupportedJq(`expected ${v}`);
    this.#pos++;
  }

  expectIdent(v: string): void {
    if (!this.isIdent(v)) throw new UnsupportedJq(`expected ${v}`);
    this.#pos++;
  }

  parseProgram(): JqNode {
    const node = this.parsePipe();
    if (this.peek().k !== 'eof') throw new UnsupportedJq('trailing tokens');
    return node;
  }

  // Pipe: lowest precedence, right associative.
  parsePipe(): JqNode {
    if (this.isIdent('def')) throw new UnsupportedJq('def');
    const left = this.parseComma();
    if (this.isPunct('|')) {
      this.next();
      return { t: 'pipe', left, right: this.parsePipe() };
    }
    return left;
  }

  parseComma(): JqNode {
    let left = this.parseAlt();
    while (this.isPunct(',')) {
      this.next();
      left = { t: 'comma', left, right: this.parseAlt() };
    }
    return left;
  }

  // `//` is right associative and binds looser than the assignment operators.
  parseAlt(): JqNode {
    const left = this.parseAssignment();
    if (this.isPunct('//')) {
      this.next();
      return { t: 'alt', left, right: this.parseAlt() };
    }
    return left;
  }

  // Assignments do not associate; of them only `|=` is on the fast path.
  parseAssignment(): JqNode {
    const left = this.parseOr();
    const assignments = ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//=', '?//', '?//='];
    if (this.isPunct('|=')) {
      this.next();
      const body = this.parseOr();
      if (assignments.some((op) => this.isPunct(op))) throw new UnsupportedJq('chained assignment');
      return { t: 'update', path: left, body };
    }
    if (assignments.some((op) => this.isPunct(op))) throw new UnsupportedJq('assignment');
    return left;
  }

  parseOr(): JqNode {
    let left = this.parseAnd();
    while (this.isIdent('or')) {
      this.next();
      left = { t: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  parseAnd(): JqNode {
    let left = this.parseComparison();
    while (this.isIdent('and')) {
      this.next();
      left = { t: 'and', left, right: this.parseComparison() };
    }
    return left;
  }

  parseComparison(): JqNode {
    const left = this.parseAdditive();
    for (const op of ['==', '!=', '<', '<=', '>', '>='] as const) {
      if (this.isPunct(op)) {
        this.next();
        const right = this.parseAdditive();
        for (const again of ['==', '!=', '<', '<=', '>', '>=']) {
          if (this.isPunct(again)) throw new UnsupportedJq('chained comparison');
        }
        return { t: 'binop', op, left, right };
      }
    }
    return left;
  }

  parseAdditive(): JqNode {
    let left = this.parseMultiplicative();
    for (;;) {
      if (this.isPunct('+') || this.isPunct('-')) {
        const op = (this.next() as { v: BinaryOperator }).v;
        left = { t: 'binop', op, left, right: this.parseMultiplicative() };
      } else {
        return left;
      }
    }
  }

  parseMultiplicative(): JqNode {
    let left = this.parseUnary();
    for (;;) {
      if (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
        const op = (this.next() as { v: BinaryOperator }).v;
        left = { t: 'binop', op, left, right: this.parseUnary() };
      } else {
        return left;
      }
    }
  }

  parseUnary(): JqNode {
    if (this.isPunct('-')) {
      this.next();
      const body = this.parseUnary();
      if (body.t === 'literal' && typeof body.value === 'number') return { t: 'literal', value: -body.value };
      return { t: 'neg', body };
    }
    const term = this.parsePostfix();
    // `Term as $x | body` extends as far right as a pipe would.
    if (this.isIdent('as')) {
      this.next();
      const v = this.next();
      if (v.k !== 'var') throw new UnsupportedJq('destructuring');
      this.expectPunct('|');
      return { t: 'bind', source: term, name: v.v, body: this.parsePipe() };
    }
    return term;
  }

  parsePostfix(): JqNode {
    let term = this.parsePrimary();
    for (;;) {
      const t = this.peek();
      if (t.k === 'field') {
        this.next();
        term = this.optional({ t: 'index', target: term, key: { t: 'literal', value: t.v }, opt: false });
      } else if (t.k === 'punct' && t.v === '.' && this.#tokens[this.#pos + 1]?.k === 'str') {
        this.next();
        const key = this.parseString(this.next() as Extract<Token, { k: 'str' }>);
        term = this.optional({ t: 'index', target: term, key, opt: false });
      } else if (t.k === 'punct' && t.v === '.' && this.#tokens[this.#pos + 1]?.k === 'punct' && (this.#tokens[this.#pos + 1] as { v: string }).v === '[') {
        this.next();
        term = this.parseBracketSuffix(term);
      } else if (t.k === 'punct' && t.v === '[') {
        term = this.parseBracketSuffix(term);
      } else if (t.k === 'punct' && t.v === '?') {
        this.next();
        term = { t: 'try', body: term };
      } else {
        return term;
      }
    }
  }

  /** A `?` right after an index applies to that index operation only (jq 1.8's gen_index_opt). */
  optional(node: Extract<JqNode, { opt: boolean }>): JqNode {
    if (this.isPunct('?')) {
      this.next();
      return { ...node, opt: true };
    }
    return node;
  }

  parseBracketSuffix(target: JqNode): JqNode {
    this.expectPunct('[');
    if (this.isPunct(']')) {
      this.next();
      return this.optional({ t: 'iterate', target, opt: false });
    }
    if (this.isPunct(':')) {
      this.next();
      const to = this.parsePipe();
      this.expectPunct(']');
      return this.optional({ t: 'slice', target, from: undefined, to, opt: false });
    }
    const key = this.parsePipe();
    if (this.isPunct(':')) {
      this.next();
      if (this.isPunct(']')) {
        this.next();
        return this.optional({ t: 'slice', target, from: key, to: undefined, opt: false });
      }
      const to = this.parsePipe();
      this.expectPunct(']');
      return this.optional({ t: 'slice', target, from: key, to, opt: false });
    }
    this.expectPunct(']');
    return this.optional({ t: 'index', target, key, opt: false });
  }

  parseString(token: Extract<Token, { k: 'str' }>): JqNode {
    const parts: (string | JqNode)[] = token.parts.map((p) => (typeof p === 'string' ? p : new Parser(p).parseProgram()));
    if (parts.length === 1 && typeof parts[0] === 'string') return { t: 'literal', value: parts[0] };
    return { t: 'string', parts };
  }

  parsePrimary(): JqNode {
    const t = this.next();
    switch (t.k) {
      case 'num':
        return { t: 'literal', value: t.v };
      case 'str':
        return this.parseString(t);
      case 'field':
        return this.optional({ t: 'index', target: { t: 'identity' }, key: { t: 'literal', value: t.v }, opt: false });
      case 'var':
        if (t.v === '__loc__') throw new UnsupportedJq('$__loc__');
        return { t: 'var', name: t.v };
      case 'ident':
        return this.parseIdentTerm(t.v);
      case 'punct':
        return this.parsePunctTerm(t.v);
      default:
        throw new UnsupportedJq('unexpected end');
    }
  }

  parsePunctTerm(v: string): JqNode {
    if (v === '.') {
      const n = this.peek();
      if (n.k === 'str') {
        this.next();
        return this.optional({ t: 'index', target: { t: 'identity' }, key: this.parseString(n), opt: false });
      }
      return { t: 'identity' };
    }
    if (v === '(') {
      const body = this.parsePipe();
      this.expectPunct(')');
      return body;
    }
    if (v === '[') {
      if (this.isPunct(']')) {
        this.next();
        return { t: 'array', body: undefined };
      }
      const body = this.parsePipe();
      this.expectPunct(']');
      return { t: 'array', body };
    }
    if (v === '{') return this.parseObject();
    throw new UnsupportedJq(`unexpected ${v}`);
  }

  parseIdentTerm(name: string): JqNode {
    if (name === 'if') return this.parseIf();
    if (KEYWORDS.has(name)) throw new UnsupportedJq(`keyword ${name}`);
    if (name === 'true' || name === 'false' || name === 'null') {
      return { t: 'literal', value: name === 'null' ? null : name === 'true' };
    }
    const args: JqNode[] = [];
    if (this.isPunct('(')) {
      this.next();
      args.push(this.parsePipe());
      while (this.isPunct(';')) {
        this.next();
        args.push(this.parsePipe());
      }
      this.expectPunct(')');
    }
    return { t: 'call', name, args };
  }

  parseIf(): JqNode {
    const branches: { cond: JqNode; then: JqNode }[] = [];
    const cond = this.parsePipe();
    this.expectIdent('then');
    branches.push({ cond, then: this.parsePipe() });
    let otherwise: JqNode | undefined;
    for (;;) {
      if (this.isIdent('elif')) {
        this.next();
        const c = this.parsePipe();
        this.expectIdent('then');
        branches.push({ cond: c, then: this.parsePipe() });
      } else if (this.isIdent('else')) {
        this.next();
        otherwise = this.parsePipe();
        this.expectIdent('end');
        break;
      } else {
        this.expectIdent('end');
        break;
      }
    }
    return { t: 'if', branches, otherwise };
  }

  parseObject(): JqNode {
    const entries: { key: JqNode; value: JqNode }[] = [];
    if (this.isPunct('}')) {
      this.next();
      return { t: 'object', entries };
    }
    for (;;) {
      const t = this.next();
      let key: JqNode;
      let shorthand: JqNode | undefined;
      if (t.k === 'ident') {
        key = { t: 'literal', value: t.v };
        shorthand = { t: 'index', target: { t: 'identity' }, key, opt: false };
      } else if (t.k === 'var') {
        if (t.v === '__loc__') throw new UnsupportedJq('$__loc__');
        key = { t: 'literal', value: t.v };
        shorthand = { t: 'var', name: t.v };
      } else if (t.k === 'str') {
        key = this.parseString(t);
        shorthand = { t: 'index', target: { t: 'identity' }, key, opt: false };
      } else if (t.k === 'num') {
        throw new UnsupportedJq('numeric object key');
      } else if (t.k === 'punct' && t.v === '(') {
        key = this.parsePipe();
        this.expectPunct(')');
      } else {
        throw new UnsupportedJq('object key');
      }
      let value: JqNode;
      if (this.isPunct(':')) {
        this.next();
        value = this.parseObjectValue();
      } else if (shorthand !== undefined) {
        value = shorthand;
      } else {
        throw new UnsupportedJq('object key without value');
      }
      entries.push({ key, value });
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      this.expectPunct('}');
      return { t: 'object', entries };
    }
  }

  // jq's ObjVal: terms joined by pipes, optionally negated; no commas or binary operators.
  parseObjectValue(): JqNode {
    let left: JqNode;
    if (this.isPunct('-')) {
      this.next();
      left = { t: 'neg', body: this.parsePostfix() };
    } else {
      left = this.parsePostfix();
    }
    if (this.isPunct('|')) {
      this.next();
      return { t: 'pipe', left, right: this.parseObjectValue() };
    }
    return left;
  }
}

/** Parses a jq program into the fast-path syntax tree, or throws `UnsupportedJq`. */
export function parseJq(program: string): JqNode {
  const { tokens } = lex(program, 0, false);
  return new Parser(tokens).parseProgram();
}
