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

// The built-ins the corpus's last expressions needed (dates, ordering, entries, fromjson,
// contains, all/any, capture, sub with captures, `|=`), on records made to reach them.
const LATER_BUILTINS = [
  '.t | todate', '.t | todateiso8601', '.t | strftime("%Y-%m-%dT%H:%M:%SZ")', '.t | strftime("%F %T")', '.t | strftime("%Y/%m/%d %%")',
  '.t / 1000 | todate', '.s | strptime("%Y-%m-%dT%H:%M:%SZ")', '.s | strptime("%Y-%m-%d") | mktime', '.s | fromdate', '.s | fromdateiso8601',
  '.s | strptime("%Y-%m-%d %H:%M:%S") | strftime("%Y-%m-%dT%H:%M:%SZ")', '.s | strptime("%s")', '.t | tostring | strptime("%s")',
  '.s | strptime("%Y-%m-%d") | todate', '.a | mktime', '.a | todate', 'now | type', '(.s | sub("\\\\..*Z$"; "Z") | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime) - (.t // 0)',
  '.j | fromjson', '.j | fromjson | .k', '.a | sort_by(.k)', '.a | sort_by(.k, .v)', '.a | sort_by(.k) | .[0].v', '.a | group_by(.k)',
  '.a | group_by(.k) | map(.[0].v)', '.a | unique', '.a | map(.k) | unique | length', '.a | min_by(.k)', '.a | max_by(.k)', '.a | max_by(.v) | .k',
  '.o | to_entries', '.a | to_entries', '.o // {} | to_entries | max_by(.value) | .key', '.s | contains("2")', '.a | contains(["x"])',
  '.o | contains({"k": 1})', '.a | contains([{"k": 1}])', '[.a[]? | . as $x | ["x", "y"] | contains([$x])] | any(.)', '.a | all(.[]; . != null)',
  '.a | any(.[]; . == "x")', '.a | any(. == 1)', '.a | all(type == "string")', '.s | split("-") as $p | (length > 2 and all($p[]; length > 0))',
  '.s | capture("(?<y>\\\\d{4})-(?<m>\\\\d{2})")', '.s | capture("(?<x>z)?")', '.s | capture("(?<d>\\\\d)"; "g")', '.s | capture("(?<y>\\\\d{4})") | .y',
  '.s | sub("(?<h>\\\\d{2}):(?<m>\\\\d{2})"; "\\(.m)h\\(.h)")', '.s | gsub("(?<d>\\\\d)"; "<\\(.d)>")', '.s | sub("(?<h>[+-]\\\\d{2})(?<m>\\\\d{2})$"; "\\(.h):\\(.m)")',
  '.a | .[1] |= tostring', '.o | .k |= . + 1', '.o | .k |= empty', '.a | .[5] |= 1', '.o.x.y |= 2', '.a | .[0] |= empty', '.s | split("-") | .[1] |= ascii_downcase | join("-")',
  '.a[0].k |= "z"', '(.o | .k |= (., 1))',
];

function laterBuiltinsRecord(): fc.Arbitrary<Record<string, unknown>> {
  const epoch = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.double({ min: 0, max: 4e9, noNaN: true }), fc.constantFrom(-1, -1.5, 1425599621.25, 1e12, 253402300800, 0));
  const dateText = fc.oneof(
    fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-01-01T00:00:00Z'), noInvalidDate: true }).chain((d) =>
      fc.constantFrom(d.toISOString(), d.toISOString().replace(/\.\d+Z$/, 'Z'), d.toISOString().slice(0, 10), d.toISOString().slice(0, 19).replace('T', ' ')),
    ),
    fc.constantFrom('2015-02-30', '2015-3-5T23:51:47Z', '2015-03-05 ', '2015-03-05x', '', 'x', '1700000000', '2024-01-02T03:04:05+0100', '0999-01-01', '2016-02-29'),
  );
  const key = fc.oneof(fc.constantFrom(null, 'a', 'b', 1, 2, true), fc.integer({ min: 0, max: 3 }));
  const element = fc.oneof(fc.record({ k: key, v: fc.oneof(key, fc.string({ maxLength: 3 })) }), key, fc.constantFrom('x', 'y', [1], { k: 1 }));
  const object = fc.oneof(fc.record({ k: key, x: fc.constantFrom(null, { y: 1 }, 'z', 1) }, { requiredKeys: [] }), fc.dictionary(fc.constantFrom('k', 'b', 'a', '10'), key, { maxKeys: 3 }));
  const json = fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.constantFrom('{"k":1,"b":2}', '{"10":1,"a":2}', 'nan', '[1,', '"\\ud800"', '1.0', ' [2] ', ''));
  const brokenDown = fc.oneof(
    fc.tuple(fc.integer({ min: 1990, max: 2060 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 365 })),
    fc.constantFrom([2015, 13, 40, 25, 61, 61], [2015, 2, 5], [], 'x', [2015, 2, 5, 23, 51, 47.5, 4, 63]),
  );
  return fc.record({
    t: fc.oneof(epoch, fc.constantFrom(null, 'x')),
    s: fc.oneof(dateText, fc.constantFrom(null, 5)),
    a: fc.oneof(fc.array(element, { maxLength: 6 }), brokenDown, fc.constantFrom(null, 'x')),
    o: fc.oneof(object, fc.constantFrom(null, 'x', [1])),
    j: fc.oneof(json, fc.constantFrom(null, 3)),
  });
}

describe('fast path against jq-wasm on the built-ins for the last corpus expressions', () => {
  test('every expression on records made to reach them', async () => {
    const records = fc.sample(laterBuiltinsRecord(), { numRuns: 300, seed: 2026 });
    const programs = LATER_BUILTINS.map(rewriteSingleQuotes);
    const compiled = await Promise.all(programs.map((p) => auto.compile(p)));
    expect(programs.filter((_, k) => compiled[k]!.fast === undefined)).toEqual([]);
    const { checked, mismatches } = await compare(programs, records);
    const byProgram = new Map(mismatches.map((m) => [m.slice(0, m.indexOf(' on ')), m]));
    expect([...byProgram.values()]).toEqual([]);
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
