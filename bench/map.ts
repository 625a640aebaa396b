/**
 * `npm run bench:map`: `bin/marina map` over MAP_BENCH_RECORDS (default 100,000) fake persons of
 * about 900 bytes (a JSON array of ~90 MB), the fake plugin's own mapping, stdout to /dev/null;
 * against a bare Node process that reads and parses the same file (`JSON.parse` of
 * `readFileSync`), the least any tool can do with it. Both are whole processes timed from spawn
 * to exit, alternated MAP_BENCH_ROUNDS (default 3) times; the best of each is kept. Goal: the
 * ratio map / reference at most 1.3.
 *
 * `bin/marina` runs the build in dist/ when there is one (as users run it): run `npm run build`
 * after changing src/. MAP_BENCH_FORMAT=ndjson writes the input as NDJSON instead.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, openSync, closeSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectPages, setUpFake } from '../plugins/fake/fake-test-support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env.MAP_BENCH_RECORDS ?? 100_000);
const ROUNDS = Number(process.env.MAP_BENCH_ROUNDS ?? 3);
const NDJSON = process.env.MAP_BENCH_FORMAT === 'ndjson';
const mapping = join(root, 'plugins/fake/.port/resources/port-app-config.yml');

async function writeInput(file: string): Promise<void> {
  const { instance } = await setUpFake({ entityCount: { 'fake-person': RECORDS }, pageSize: 1_000 });
  const out = createWriteStream(file);
  const put = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve())));
  let first = true;
  if (!NDJSON) await put('[');
  for (const page of await collectPages(instance, 'fake-person')) {
    let chunk = '';
    for (const record of page) {
      chunk += NDJSON ? `${JSON.stringify(record)}\n` : `${first ? '' : ','}${JSON.stringify(record)}`;
      first = false;
    }
    await put(chunk);
  }
  if (!NDJSON) await put(']');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

interface Run {
  seconds: number;
  stderr: string;
}

/** Spawns a process with stdout to /dev/null and times it from spawn to exit. */
function timed(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', devNull, 'pipe'], env: { ...process.env, MARINA_FROM_SOURCE: undefined } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      closeSync(devNull);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${String(code)}: ${stderr}`));
      else resolve({ seconds, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'marina-bench-map-'));
try {
  const input = join(dir, NDJSON ? 'persons.ndjson' : 'persons.json');
  await writeInput(input);
  const mb = statSync(input).size / 2 ** 20;
  const build = existsSync(join(root, 'dist/main.js')) ? 'dist/ (compiled)' : 'src/ through tsx (no build)';
  console.log(`${RECORDS.toLocaleString('en')} fake persons, ${mb.toFixed(0)} MB of ${NDJSON ? 'NDJSON' : 'JSON'}; bin/marina runs ${build}`);

  const reference = ['-e', `const t = require('node:fs').readFileSync(process.argv[1], 'utf8'); const v = ${NDJSON ? "t.split('\\n').filter(Boolean).map((l) => JSON.parse(l))" : 'JSON.parse(t)'}; if (v.length !== ${RECORDS}) process.exit(3);`, input];
  const map = ['bin/marina', 'map', '--mapping', mapping, '--kind', 'fake-person', '--input', input];
  let bestMap = Infinity;
  let bestRef = Infinity;
  for (let round = 1; round <= ROUNDS; round++) {
    const ref = await timed(reference);
    const run = await timed(map);
    if (!run.stderr.includes(`${RECORDS} mapped`)) throw new Error(`marina map did not map every record:\n${run.stderr}`);
    bestRef = Math.min(bestRef, ref.seconds);
    bestMap = Math.min(bestMap, run.seconds);
    console.log(`  round ${round}: map ${run.seconds.toFixed(2)} s, reference ${ref.seconds.toFixed(2)} s`);
  }
  console.log(`\nmarina map   ${bestMap.toFixed(2)} s  ${Math.round(RECORDS / bestMap).toLocaleString('en')} records/s  ${(mb / bestMap).toFixed(0)} MB/s`);
  console.log(`reference    ${bestRef.toFixed(2)} s  (node: read + JSON.parse of the same file)`);
  console.log(`ratio map / reference: ${(bestMap / bestRef).toFixed(2)} (goal <= 1.3)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
