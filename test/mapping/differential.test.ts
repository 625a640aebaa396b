import fc from 'fast-check';
import { cellToOutput, createEvaluator, type Evaluator } from '../../src/mapping/evaluator.js';
import type { FirstOutput } from '../../src/mapping/jq/compile.js';
import { Bailout } from '../../src/mapping/jq/values.js';
import { rewriteSingleQuotes } from '../../src/mapping/quote-rewrite.js';
import { createJqPool, type JqPool } from '../../src/mapping/wasm/jq-pool.js';
import { corpusIntegrations } from './corpus.js';

/**
 * The fast path must be indistinguishable from jq-wasm: for every expression it compiles, on
 * every record, the first output (value, "no output" or "error") must be the same. Records come
 * from the corpus samples and from fast-check, built from the field names the expressions read.
 */

const LOCKDOWN = 'def env: {}; {} as $ENV | ';

let pool: JqPool;
let auto: Evaluator;
let jqOnly: Evaluator;

beforeAll(() => {
  pool = createJqPool({ size: 2 });
  auto = createEvaluator({ pool, engine: 'auto', jqPrologue: LOCKDOWN, env: {} });
  jqOnly = createEvaluator({ pool, engine: 'jq-wasm', jqPrologue: LOCKDOWN, env: {} });
});

afterAll(() => pool.close());

function sameOutput(a: FirstOutput, b: FirstOutput): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'value' && b.kind === 'value') return JSON.stringify(a.value) === JSON.stringify(b.value);
  return true;
}

function show(o: FirstOutput): string {
  return o.kind === 'value' ? `value ${JSON.stringify(o.value)}` : o.kind === 'error' ? `error (${o.message})` : 'no output';
}

const scalar = fc.oneof(
  fc.constantFrom(null, false, true, 0, ''),
  fc.constantFrom(null, true, false, 0, 1, -1, '', 'a', 'main', 'true', 'open', 'active', '2024-01-02T03:04:05Z', '2024-01-02T03:04:05.123Z', '42', 'x,y', 'A/b'),
  fc.constantFrom('aab b', 'ab]c]', 'x\nb', 'é/b', 'B', 'a]$b', 'user[bot]', 'a\tb'),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noDefaultInfinity: true, noNaN: true, min: -1e6, max: 1e6 }),
  fc.string({ maxLength: 6 }),
);

function recordArbitrary(keys: string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.constantFrom(...keys);
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  }));
  return fc.dictionary(key, value, { minKeys: 1, maxKeys: 12 });
}

async function compare(programs: string[], records: unknown[]): Promise<{ checked: number; mismatches: string[] }> {
  const fastCompiled = await Promise.all(programs.map((p) => auto.compile(p)));
  const jqCompiled = await Promise.all(programs.map((p) => jqOnly.compile(p)));
  const viaJq = await jqOnly.evaluate(jqCompiled, records);
  const viaEngine = await auto.evaluate(fastCompiled, records);
  const mismatches: string[] = [];
  let checked = 0;
  records.forEach((record, i) => {
    const jqRow = viaJq[i]!;
    const engineRow = viaEngine[i]!;
    if ('itemError' in jqRow || 'itemError' in engineRow) {
      if ('itemError' in jqRow !== 'itemError' in engineRow) mismatches.push(`record ${i}: item error in one engine only`);
      return;
    }
    programs.forEach((program, k) => {
      // `now` differs between two runs (jenkins maps `now | strftime(...)`): compare kinds only.
      const same = /\bnow\b/.test(program) ? (a: FirstOutput, b: FirstOutput): boolean => a.kind === b.kind : sameOutput;
      const expected = cellToOutput(jqRow[k]);
      // The integrated engine (fast path + bailouts + jq) ...
      const viaEngineCell = cellToOutput(engineRow[k]);
      if (!same(viaEngineCell, expected)) {
        mismatches.push(`${program} on ${JSON.stringify(record)}: engine ${show(viaEngineCell)}, jq ${show(expected)}`);
      }
      // ... and the fast path on its own, wherever it does not bail out.
      const fast = fastCompiled[k]!.fast;
      if (fast === undefined) return;
      try {
        const got = fast.first(record);
        checked++;
        if (!same(got, expected)) mismatches.push(`${program} on ${JSON.stringify(record)}: fast ${show(got)}, jq ${show(expected)}`);
      } catch (error) {
        if (!(error instanceof Bailout)) throw error;
      }
    });
  });
  return { checked, mismatches };
}

const integrations = corpusIntegrations();

describe('fast path against jq-wasm on the Ocean corpus', () => {
  test.each(integrations.map((i) => [i.name, i] as const))('%s: every expression on samples and generated records', async (_name, integration) => {
    const programs = integration.specs.map((s) => s.program);
    const keys = [...new Set(programs.flatMap((p) => [...p.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)))];
    const generated = keys.length === 0 ? [] : fc.sample(recordArbitrary(keys), { numRuns: 40, seed: integration.name.length * 7919 });
    const { mismatches } = await compare(programs, [...integration.records, ...generated]);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});

// Expressions chosen for the places where jq and JavaScript differ.
const SEMANTICS = [
  '.a', '.a.b', '.a?', '.a.b?', '.a[]?', '.[]?', '.a[0]', '.a[-1]', '.a[1:]', '.a[:2]', '.a["b"]', '."a"', '.a."b c"',
  '.a // "d"', '.a // .b // "z"', '(.a, .b) // 1', '[.a[]? // 0]', '.a + .b', '.a + 1', '.a - .b', '.a * .b', '.a / .b', '.a % .b',
  '.a == .b', '.a != .b', '.a < .b', '.a >= .b', '.a and .b', '.a or .b', '.a | not', '(.a, .b) and true', 'if .a then .b else .c end',
  'if .a then .b elif .b then .c end', '[.a, .b] | map(. // 0)', '.a | tostring', '.b | tostring', '"x\\(.a)y\\(.b)"', '.a | tojson',
  '.a | tonumber', '.a | length', '.a | ascii_downcase', '.a | ascii_upcase', '.a | startswith("a")', '.a | endswith("b")',
  '.a | split(",")', '.a | join(",")', '.a | join(", ")', '[.a[]? | select(. != null)]', '.a | map(tostring)', '.a[]', '.a | keys',
  '.a | has("b")', '.a | first', '.a | last', 'first(.a[]?)', '.a | add', '.a | any', '.a | all', '.a | IN("x", 1, null)', '.a | type',
  '{x: .a, y: .b}', '{(.a): .b}', '{a, b}', '[.a, .b] | .[0]', '.a as $x | .b as $y | [$x, $y]', '.a | floor', '-.a', '.a | ltrimstr("a")',
  '.a | rtrimstr("a")', '[.[] | numbers]', '.a | values', '.a[.b]', '.a | .[]?', 'env | length', '$ENV | length', '.a | error',
  "'x' + .a", '.a | tostring | length', '.a | test("a")', '.a | test("^A"; "i")', '.a | test("[^a-z]")', '.a | sub("a+"; "-")',
  '.a | gsub("[A-Z]"; "_")', '.a | gsub("\\s"; "")', '.a | gsub("a*"; "-")', '.a | sub("(?<x>b)$"; "B")', '.a | gsub("(?=b)"; "^")',
  '.a | sub("^.*?/"; "")', 'del(.a)', 'del(.a.b)', '. | del(.b.c.a)', '.a | del(.b)', '.a | gsub("\\](?=[^$])"; "-")', '.a | gsub("\\.\\d+Z$"; "Z")', '.a | test("a"; "g")', '"\\(.a)"', '[.a[]?] | length', '.a | .b?', '(.a | .b)?', '.a | select(.b)', '.a.b.c // empty',
];

describe('fast path against jq-wasm on hand-picked semantics', () => {
  test('every expression on generated records', async () => {
    const keys = ['a', 'b', 'c', '1'];
    const records = fc.sample(recordArbitrary(keys), { numRuns: 250, seed: 42 });
    const programs = SEMANTICS.map(rewriteSingleQuotes);
    const { checked, mismatches } = await compare(programs, records);
    // One example per failing expression.
    const byProgram = new Map(mismatches.map((m) => [m.slice(0, m.indexOf(' on ')), m]));
    expect([...byProgram.values()]).toEqual([]);
    // Most pairs must really exercise the fast path, not only its bailouts.
    expect(checked).toBeGreaterThan(programs.length * records.length * 0.5);
  });
});

/** Random programs from the fast path's grammar, so combinations nobody thought of are tried too. */
function programArbitrary(): fc.Arbitrary<string> {
  const leaf = fc.constantFrom(
    '.', '.a', '.b', '.c', '.a.b', '.a[0]', '.["a"]', '.a[]?', '.b?', '.c[1:]', '.a.b?', '.[]?', '$ENV',
    'null', 'true', 'false', '0', '1', '-2', '1.5', '"x"', '""', '[]', '{}', '[1,"a",null]', '"a,b"',
    'null', 'false', '.a', '.b', '(.a, .b)', '(.a, .b)', 'empty', '[.a, .b]',
  );
  const { e } = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { maxDepth: 3, depthSize: 'small', withCrossShrink: true },
      { arbitrary: leaf, weight: 10 },
      {
        arbitrary: fc
          .tuple(tie('e'), fc.constantFrom('//', '//', '+', '-', '*', '/', '%', '==', '!=', '<', '>=', 'and', 'or', '|', ','), tie('e'))
          .map(([a, op, b]) => `(${a}) ${op} (${b})`),
        weight: 6,
      },
      {
        arbitrary: fc
          .tuple(tie('e'), fc.constantFrom('tostring', 'tojson', 'length', 'not', 'tonumber', 'ascii_downcase', 'keys', 'add', 'any', 'all', 'type', 'first', 'last', 'floor', 'values', 'join(",")', 'split(",")', 'has("a")', 'has(0)', 'startswith("a")', 'ltrimstr("a")', 'test("a")', 'gsub("a"; "b")', '.[0]', '.a', '.[]', '.[]?', '-(.)', '.[1:]'))
          .map(([a, f]) => `(${a}) | ${f}`),
        weight: 5,
      },
      { arbitrary: tie('e').map((a) => `[${a}]`), weight: 1 },
      { arbitrary: fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{x: (${a}), "y": (${b})}`), weight: 1 },
      { arbitrary: fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `if (${a}) then (${b}) else (${c}) end`), weight: 2 },
      { arbitrary: fc.tuple(tie('e'), tie('e')).map(([a, b]) => `if (${a}) then (${b}) end`), weight: 1 },
      { arbitrary: fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) | select(${b})`), weight: 1 },
      { arbitrary: fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) | map(${b})`), weight: 1 },
      { arbitrary: tie('e').map((a) => `(${a})?`), weight: 1 },
      { arbitrary: tie('e').map((a) => `"s\\(${a})t"`), weight: 1 },
      { arbitrary: tie('e').map((a) => `first(${a})`), weight: 1 },
      { arbitrary: fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) as $v | (${b}) | [$v, .]`), weight: 1 },
      { arbitrary: fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) | IN(${b})`), weight: 1 },
    ),
  }));
  return e;
}

describe('fast path against jq-wasm on generated programs', () => {
  test('random programs of the supported grammar on generated records', async () => {
    const programs = [...new Set(fc.sample(programArbitrary(), { numRuns: 800, seed: 7 }))];
    const records = fc.sample(recordArbitrary(['a', 'b', 'c']), { numRuns: 30, seed: 11 });
    const { checked, mismatches } = await compare(programs, records);
    const byProgram = new Map(mismatches.map((m) => [m.slice(0, m.indexOf(' on ')), m]));
    expect([...byProgram.values()]).toEqual([]);
    expect(checked).toBeGreaterThan(programs.length * records.length * 0.5);
  });
});
