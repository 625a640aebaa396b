/**
 * How fast the fake plugin serves records, so benchmarks that use it know how much of their
 * time is the generator's. It pulls FAKE_BENCH_RECORDS (default 1,000,000) persons of 1 KB in
 * pages of 1,000 through the plugin's resync handler, and compares that with the least work a
 * real plugin does for the same records: JSON.parse of its API's response pages.
 *
 * Run: npm run bench:fake
 */
import { setUpFake, resyncRequest } from '../fake-test-support.js';

const records = Number(process.env.FAKE_BENCH_RECORDS ?? 1_000_000);
const pageSize = 1_000;

async function measureGenerator(): Promise<{ ms: number; count: number; peakHeapMb: number }> {
  const { instance } = await setUpFake({ entityCount: { 'fake-person': records }, recordSizeKb: 1, pageSize });
  const handler = instance.resync['fake-person']!;
  const baseHeap = process.memoryUsage().heapUsed;
  let peakHeap = baseHeap;
  let count = 0;
  const started = performance.now();
  for await (const page of handler(resyncRequest('fake-person', new AbortController().signal))) {
    count += page.length;
    if (count % (pageSize * 50) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  return { ms: performance.now() - started, count, peakHeapMb: (peakHeap - baseHeap) / 2 ** 20 };
}

async function measureParseReference(): Promise<number> {
  // One real response page, parsed as many times as the generator serves pages.
  const { instance } = await setUpFake({ entityCount: { 'fake-person': pageSize }, recordSizeKb: 1, pageSize });
  const iterator = instance.resync['fake-person']!(resyncRequest('fake-person', new AbortController().signal))[Symbol.asyncIterator]();
  const body = JSON.stringify((await iterator.next()).value);
  let sink = 0;
  const started = performance.now();
  for (let page = 0; page < records / pageSize; page++) sink += (JSON.parse(body) as unknown[]).length;
  const ms = performance.now() - started;
  if (sink !== records) throw new Error(`reference parsed ${sink} records, expected ${records}`);
  return ms;
}

const reference = await measureParseReference();
const generator = await measureGenerator();
const perSecond = (ms: number) => Math.round(generator.count / (ms / 1000));
console.log(`fake generator: ${generator.count} persons of 1 KB in pages of ${pageSize}`);
console.log(`  generator        ${generator.ms.toFixed(0)} ms  ${perSecond(generator.ms)} records/s  heap growth at most ${generator.peakHeapMb.toFixed(1)} MB`);
console.log(`  reference (JSON.parse of the same pages)  ${reference.toFixed(0)} ms  ${perSecond(reference)} records/s`);
console.log(`  ratio generator / reference: ${(generator.ms / reference).toFixed(2)}`);
