import fc from 'fast-check';
import { parseRecordBatch, RecordInputError, splitRecordBatches } from './record-batches.js';

/** Cuts `text` into chunks at the given fractions, as a stream might deliver it. */
function chunksOf(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

async function readAll(chunks: Iterable<Buffer | string>, batchBytes = 64): Promise<{ records: unknown[]; batches: number }> {
  const records: unknown[] = [];
  let batches = 0;
  for await (const batch of splitRecordBatches((async function* () {
    yield* chunks;
  })(), { source: 'in.json', batchBytes })) {
    batches++;
    records.push(...parseRecordBatch(batch, 'in.json'));
  }
  return { records, batches };
}

async function errorOf(text: string): Promise<string> {
  try {
    await readAll(chunksOf(text, [0.5]));
  } catch (error) {
    expect(error).toBeInstanceOf(RecordInputError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

// Strings full of what a scanner could trip on: quotes, backslash runs, brackets, commas, UTF-8.
const trickyString = fc.array(fc.constantFrom('a', '"', '\\', '\\\\', '[', ']', '{', '}', ',', '\n', 'é', '日', '😀', ' '), { maxLength: 12 }).map((parts) => parts.join(''));
const value = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, trickyString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('json'), { maxLength: 3 }), fc.dictionary(trickyString, tie('json'), { maxKeys: 3 })),
})).json;
const records = fc.array(fc.oneof(fc.dictionary(trickyString, value, { maxKeys: 4 }), value), { maxLength: 12 });
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

test('a JSON array, compact or indented, cut anywhere, reads back whole and in order', async () => {
  await fc.assert(
    fc.asyncProperty(records, cuts, fc.boolean(), async (input, at, pretty) => {
      const text = pretty ? JSON.stringify(input, null, 2) : JSON.stringify(input);
      const { records: out } = await readAll(chunksOf(text, at));
      expect(out).toEqual(JSON.parse(text));
    }),
    { numRuns: 400 },
  );
});

test('NDJSON cut anywhere reads back whole and in order, blank lines and CRLF allowed', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.dictionary(trickyString, value, { maxKeys: 4 }), { maxLength: 12 }), cuts, async (input, at) => {
      const text = input.map((record, i) => `${JSON.stringify(record)}${i % 3 === 0 ? '\r\n\n' : '\n'}`).join('');
      const { records: out } = await readAll(chunksOf(text, at));
      expect(out).toEqual(JSON.parse(JSON.stringify(input)));
    }),
    { numRuns: 300 },
  );
});

test('a large array arrives in several batches, each a bounded part of the input', async () => {
  const input = Array.from({ length: 2_000 }, (_, i) => ({ id: i, text: `a "quoted" \\ value, [${i}]` }));
  const text = JSON.stringify(input);
  const byteChunks = chunksOf(text, Array.from({ length: 50 }, (_, i) => i / 50));
  const { records: out, batches } = await readAll(byteChunks, 4_096);
  expect(out).toEqual(input);
  expect(batches).toBeGreaterThan(text.length / 8_192);
});

test('a byte-order mark, whitespace around the array, and empty input', async () => {
  expect((await readAll([Buffer.from('\uFEFF  \n [ {"a":1} ,\n{"b":2} ] \n')])).records).toEqual([{ a: 1 }, { b: 2 }]);
  expect((await readAll([Buffer.from('')])).records).toEqual([]);
  expect((await readAll([Buffer.from(' [ ] ')])).records).toEqual([]);
  expect((await readAll(['{"a":1}'])).records).toEqual([{ a: 1 }]);
});

test('bad input is an error naming the source and the line', async () => {
  expect(await errorOf('[{"a":1},\n{"b":2},\n{oops}]')).toMatch(/^in\.json:3: invalid JSON: /);
  expect(await errorOf('{"a":1}\n\n{oops}\n')).toMatch(/^in\.json:3: invalid JSON: /);
  expect(await errorOf('[{"a":1},\n{"b":2}')).toBe('in.json:2: invalid JSON: the input ends before the JSON array is closed');
  expect(await errorOf('[{"a":1}]\n[{"b":2}]')).toBe('in.json:2: unexpected data after the JSON array (NDJSON records are objects, one per line)');
  expect(await errorOf('[{"a":1}]]')).toMatch(/^in\.json:1: unexpected data after the JSON array/);
  const trailingComma = `[${Array.from({ length: 40 }, (_, i) => `{"i":${i}}`).join(',\n')},\n]`;
  expect(await errorOf(trailingComma)).toMatch(/^in\.json:\d+-41: invalid JSON: Unexpected token '\]'/);
});

test('a read failure of the underlying stream propagates', async () => {
  const failing = (async function* () {
    yield Buffer.from('[{"a":1},');
    throw new Error('disk gone');
  })();
  await expect((async () => {
    for await (const _ of splitRecordBatches(failing, { source: 'x' })) void _;
  })()).rejects.toThrow('disk gone');
});
