/**
 * bench:custom — records/s of the custom plugin paging the mock REST API, beside the mock's own
 * speed measured in the same run: a bare client (got, as the plugin uses, no plugin code) paging
 * the same endpoint with the same page size and parsing each page. The ratio plugin / bare client
 * is what the plugin costs on top of HTTP and JSON.
 *
 * CUSTOM_BENCH_RECORDS (default 100,000) records of about 330 bytes, pages of CUSTOM_BENCH_PAGE
 * (default 1,000), in offset, cursor and next_link pagination, plus offset with a data_path
 * outside the fast subset (jq-wasm). The mock runs in its own process. After one warm-up pass of
 * the bare client, each measurement runs twice and keeps the faster run.
 *
 * Run: npm run bench:custom
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import got from 'got';
import { resyncRequest, setUpCustom } from '../custom-test-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const records = Number(process.env['CUSTOM_BENCH_RECORDS'] ?? 100_000);
const pageSize = Number(process.env['CUSTOM_BENCH_PAGE'] ?? 1_000);

const child = fork(join(here, 'mock-server.ts'), ['200'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const url = await new Promise<string>((resolve, reject) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    const match = /url (\S+)/.exec(chunk.toString());
    if (match) resolve(match[1]!);
  });
  child.on('exit', (code) => reject(new Error(`mock server exited (${code})`)));
});

async function bareClient(): Promise<number> {
  let count = 0;
  const started = performance.now();
  for (let offset = 0; offset < records; offset += pageSize) {
    const body = await got(`${url}/offset/items`, { searchParams: { total: records, offset, limit: pageSize } }).text();
    count += (JSON.parse(body) as { data: unknown[] }).data.length;
  }
  if (count !== records) throw new Error(`bare client read ${count} records`);
  return performance.now() - started;
}

async function plugin(config: Record<string, unknown>, kind: string, selector: Record<string, unknown>): Promise<number> {
  const { instance } = await setUpCustom({ baseUrl: url, pageSize: String(pageSize), ...config }, { retries: 2 });
  let count = 0;
  const started = performance.now();
  for await (const page of instance.resync['*']!(resyncRequest(kind, selector))) count += page.length;
  if (count !== records) throw new Error(`plugin read ${count} records for ${kind}`);
  return performance.now() - started;
}

const best = async (run: () => Promise<number>) => Math.min(await run(), await run());
const rate = (ms: number) => Math.round(records / (ms / 1000));

const load = loadavg().map((n) => n.toFixed(2)).join(' ');
await bareClient(); // warm-up: the mock's JIT and sockets, so neither side pays for it
const reference = await best(bareClient);
const rows: [string, number][] = [
  ['offset, data_path .data', await best(() => plugin({ paginationType: 'offset' }, '/offset/items', { data_path: '.data', query_params: { total: records } }))],
  ['cursor, data_path .data', await best(() => plugin({ paginationType: 'cursor' }, '/cursor/items', { data_path: '.data', query_params: { total: records } }))],
  ['next_link, data_path .value', await best(() => plugin({ paginationType: 'next_link', sizeParam: '$top' }, '/next-link/items', { data_path: '.value', query_params: { total: records } }))],
  ['offset, data_path .data[] (jq-wasm)', await best(() => plugin({ paginationType: 'offset' }, '/offset/items', { data_path: '.data[]', query_params: { total: records } }))],
];
child.disconnect();

console.log(`bench:custom — ${records.toLocaleString('en')} records of ~330 B, pages of ${pageSize}; load average before: ${load}`);
console.log(`bare client (got + JSON.parse): ${rate(reference).toLocaleString('en')} records/s (${(reference / 1000).toFixed(2)} s)`);
for (const [name, ms] of rows) console.log(`plugin, ${name}: ${rate(ms).toLocaleString('en')} records/s (${(ms / 1000).toFixed(2)} s), ${(rate(ms) / rate(reference)).toFixed(2)}x the bare client`);
console.log(`load average after: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
