/**
 * bench:resync — one full resync of RECORDS raw records of about 1 KB (fake persons, pages of
 * 1,000) from the fake plugin into the emulator, rate limits off: wall time, records/s end to
 * end and peak RSS of the Marina side (goal ≤ 300 MB, flat in the number of records).
 *
 * Each size runs twice, each in a fresh process: the resync (the emulator in another process,
 * so its memory is not counted), and the reference, which pulls the same records through the
 * plugin and the mapping stage only. The ratio resync / reference records/s is what loading
 * into Port costs on top of extract and transform.
 *
 * The measured processes size their heap exactly as the daemon does (`applyHeapSettings`:
 * the old generation grows by 50% over what was live after a full GC; MARINA_HEAP_GROWING_PERCENT
 * changes it, 0 gives V8's own sizing, which lets the heap grow up to 4x past the live set).
 *
 * Environment: RESYNC_BENCH_SIZES (comma list, default "100000,1000000"); RESYNC_BENCH_UNCHANGED=1
 * also measures, per size, a second resync over the same records (all unchanged: the listing and
 * change detection, no writes), in a fresh process and emulator; RESYNC_BENCH_HEAP_MB
 * also caps V8's old space of the measured processes (--max-old-space-size), to tell live memory
 * from garbage V8 has not collected yet.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sizes = (process.env.RESYNC_BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const heapCap = process.env.RESYNC_BENCH_HEAP_MB;
const runFlags = ['--import', 'tsx', '--expose-gc', ...(heapCap ? [`--max-old-space-size=${heapCap}`] : [])];

interface RunResult {
  mode: string;
  records: number;
  seconds: number;
  peakRssMb: number;
  startRssMb: number;
  peakHeapMb: number;
  retainedHeapMb: number;
  gcSeconds: number;
  heapGrowingPercent: number | null;
  upserted?: number;
  unchanged?: number;
  failed?: number;
}

function startEmulator(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'emulator-server.ts'), ['memory'], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /url (\S+)/.exec(chunk.toString());
      if (match) resolve({ child, url: match[1] as string });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${String(code)}`)));
  });
}

function run(args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'resync-run.ts'), args, { execArgv: runFlags, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      const line = output.split('\n').find((text) => text.startsWith('result '));
      if (code !== 0 || line === undefined) reject(new Error(`resync-run ${args.join(' ')} exited with ${String(code)}`));
      else resolve(JSON.parse(line.slice('result '.length)) as RunResult);
    });
  });
}

const rate = (result: RunResult) => Math.round(result.records / result.seconds);
const rows: string[] = [];
if (heapCap) console.log(`V8 old space capped at ${heapCap} MB in the measured processes`);
let heapSetting = '';
for (const size of sizes) {
  const reference = await run(['reference', String(size)]);
  const emulator = await startEmulator();
  let resync: RunResult;
  try {
    resync = await run(['resync', String(size), emulator.url]);
  } finally {
    emulator.child.kill();
  }
  heapSetting = resync.heapGrowingPercent === null ? "V8's own heap sizing" : `heap grows by ${resync.heapGrowingPercent}% over the live set (the daemon's setting)`;
  if (resync.upserted !== resync.records || resync.failed !== 0) throw new Error(`expected every record upserted: ${JSON.stringify(resync)}`);
  console.log(`\n${size.toLocaleString('en')} persons of 1 KB (+ ${(resync.records - size).toLocaleString('en')} departments, offices and teams)`);
  console.log(`  resync     ${resync.seconds.toFixed(1)} s  ${rate(resync).toLocaleString('en')} records/s end to end  peak RSS ${resync.peakRssMb.toFixed(0)} MB (goal <= 300; ${resync.startRssMb.toFixed(0)} MB before the run)  peak heap ${resync.peakHeapMb.toFixed(0)} MB, ${resync.retainedHeapMb.toFixed(0)} MB after a GC at the end; ${resync.gcSeconds.toFixed(1)} s in GC pauses`);
  console.log(`  reference  ${reference.seconds.toFixed(1)} s  ${rate(reference).toLocaleString('en')} records/s (plugin + mapping, no Port)  peak RSS ${reference.peakRssMb.toFixed(0)} MB`);
  console.log(`  ratio resync / reference records/s: ${(rate(resync) / rate(reference)).toFixed(2)}`);
  if (process.env.RESYNC_BENCH_UNCHANGED === '1') {
    const second = await startEmulator();
    let unchanged: RunResult;
    try {
      unchanged = await run(['unchanged', String(size), second.url]);
    } finally {
      second.child.kill();
    }
    if (unchanged.unchanged !== unchanged.records || unchanged.upserted !== 0) throw new Error(`expected every record unchanged: ${JSON.stringify(unchanged)}`);
    console.log(
      `  unchanged  ${unchanged.seconds.toFixed(1)} s  ${rate(unchanged).toLocaleString('en')} records/s (second resync, nothing written)  peak RSS ${unchanged.peakRssMb.toFixed(0)} MB (${unchanged.startRssMb.toFixed(0)} MB after the first resync)  peak heap ${unchanged.peakHeapMb.toFixed(0)} MB; ${unchanged.gcSeconds.toFixed(1)} s in GC pauses`,
    );
  }
  rows.push(
    `| ${size.toLocaleString('en')} | ${resync.seconds.toFixed(1)} s | ${rate(resync).toLocaleString('en')} | ${resync.peakRssMb.toFixed(0)} MB | ${resync.peakHeapMb.toFixed(0)} MB | ${rate(reference).toLocaleString('en')} | ${(rate(resync) / rate(reference)).toFixed(2)} |`,
  );
}
console.log(`\n${heapSetting}`);
console.log('| records | wall time | records/s | peak RSS | peak heap | reference records/s | ratio resync / reference |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
