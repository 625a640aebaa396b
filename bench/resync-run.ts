/**
 * One measured run of `npm run bench:resync`, in its own process so its peak RSS is its own.
 *   resync <records> <emulator url>   one full resync of the fake plugin into the emulator
 *   reference <records>               the same records through the plugin and the mapping
 *                                     stage only (no Port): what the resync adds is loading
 *   unchanged <records> <emulator url> a first resync (not measured), then a second one over
 *                                     the same records, which change detection finds unchanged:
 *                                     the figures are the second one's (the daemon's steady state)
 * Prints `result <json>` on stdout.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import { applyHeapSettings } from '../src/heap-settings.js';
import { createMappingEngine, loadPortAppConfig } from '../src/mapping/index.js';
import { createPortClient, createRateBudget, loadPortResources, provisionIntegration } from '../src/port/index.js';
import { createResyncRunner } from '../src/sync/resync-runner.js';
import { createResyncProgress } from '../src/sync/resync-progress.js';
import { setUpFake, resyncRequest } from '../plugins/fake/fake-test-support.js';

// Exactly the daemon's heap sizing (MARINA_HEAP_GROWING_PERCENT and node flags apply here too).
const heapSettings = applyHeapSettings({ env: process.env, execArgv: process.execArgv });
const [mode, recordsArg, url] = process.argv.slice(2);
const records = Number(recordsArg);
const resourcesDir = new URL('../plugins/fake/.port/resources/', import.meta.url).pathname;
// Persons carry the volume; the other kinds keep their small defaults (relation targets).
const fakeConfig = { entityCount: { 'fake-person': records, 'fake-project': 0 }, recordSizeKb: 1, pageSize: 1000 };

const gc = (globalThis as { gc?: () => void }).gc;
let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
let atPeak = process.memoryUsage();
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  if (usage.rss > peakRss) atPeak = usage;
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 25);

// Time the main thread spent in GC pauses during the run (what a tighter heap costs).
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});

const engine = createMappingEngine({ workers: 2 });
const { instance } = await setUpFake(fakeConfig);
gc?.();
let startRss = process.memoryUsage().rss;
gcObserver.observe({ entryTypes: ['gc'] });
let started = performance.now();
let result: Record<string, unknown>;

if (mode === 'reference') {
  const mapping = await loadPortAppConfig(`${resourcesDir}port-app-config.yml`);
  let mapped = 0;
  let raw = 0;
  for (const resource of mapping.resources) {
    for await (const page of instance.resync[resource.kind]!(resyncRequest(resource.kind, new AbortController().signal))) {
      raw += page.length;
      mapped += (await engine.mapPage(resource, page)).counts.mapped;
    }
  }
  result = { records: raw, mapped };
} else {
  const budget = createRateBudget({ limits: false, concurrency: 64 });
  const client = createPortClient({ baseUrl: url!, clientId: 'bench', clientSecret: 'bench', budget });
  const integration = { identifier: 'bench-fake', type: 'fake', version: '0.1.0' };
  await provisionIntegration(client, integration, { resources: await loadPortResources(resourcesDir), initializePortResources: true });
  const runner = createResyncRunner({ integration, client, engine, instance: () => instance, mapping: { source: 'port' }, logger: pino({ level: 'warn' }) });
  const resyncOnce = async () => {
    const report = await runner.run(new AbortController().signal, { progress: createResyncProgress() });
    if (report.status !== 'completed') throw new Error(`the resync ended ${report.status}: ${JSON.stringify(report.errors)}`);
    return report.progress.totals;
  };
  let totals = await resyncOnce();
  if (mode === 'unchanged') {
    // Measure the second resync alone: what the first one left behind is collected first.
    gc?.();
    startRss = process.memoryUsage().rss;
    peakRss = startRss;
    peakHeap = process.memoryUsage().heapUsed;
    gcMs = 0;
    started = performance.now();
    totals = await resyncOnce();
  }
  client.close();
  result = { records: totals.records, upserted: totals.upserted, unchanged: totals.unchanged, failed: totals.failed };
}

const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
gcObserver.disconnect();
peakRss = Math.max(peakRss, process.memoryUsage().rss);
gc?.();
const retainedHeap = process.memoryUsage().heapUsed;
await engine.close();
const mb = (bytes: number) => bytes / 2 ** 20;
const breakdown = { heapTotal: mb(atPeak.heapTotal), heapUsed: mb(atPeak.heapUsed), external: mb(atPeak.external), arrayBuffers: mb(atPeak.arrayBuffers) };
console.log(`result ${JSON.stringify({ mode, heapGrowingPercent: heapSettings.heapGrowingPercent ?? null, ...result, seconds, gcSeconds: gcMs / 1000, peakRssMb: mb(peakRss), startRssMb: mb(startRss), peakHeapMb: mb(peakHeap), retainedHeapMb: mb(retainedHeap), atPeakRssMb: breakdown })}`);
