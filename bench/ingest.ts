/**
 * bench:ingest — ingestion throughput against Port's rate limits, and the cost of an unchanged
 * resync.
 *
 * The emulator enforces Port's published limits multiplied by SCALE (default 0.5: bulk upserts
 * 17,500 per 5 minutes = 58.3 requests/s, burst 1,750). A resync of ENTITIES entities (default
 * 60,000 = 3,000 bulk requests) runs twice through one ingestion session each:
 *
 * 1. first resync: achieved entities/s ÷ the most the limits allow for that volume. The floor is
 *    T_min = (requests − burst) / rate, so the ratio is T_min / T_actual (goal ≥ 0.9), plus the
 *    429s Port returned. Run twice: with the budget's local model of the limits, and with no
 *    model (it learns the rate from Port's x-ratelimit headers and 429s).
 * 2. second resync, nothing changed: Port requests per unchanged entity (goal ≤ 1/1000);
 *    reference: Ocean's change detection searches 50 identifiers per request (1/50).
 *
 * 3. ten integrations resync ENTITIES / 10 entities each at once through one shared budget,
 *    while an eleventh sends a one-entity live upsert every 250 ms: the same ratio and 429s for
 *    the organization, each integration's finishing time, and the live writes' latency.
 *
 * 4. memory of change detection: bytes per entity of the ledger (its typed-array table lives
 *    off the V8 heap, so heap growth plus the table's bytes) for 1,000,000 listed entities, against the heap of the listed entities themselves
 *    (what keeping whole entities would cost).
 *
 * Environment: SCALE, ENTITIES.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startEmulator } from '../src/emulator/index.js';
import { entityDigest } from '../src/port/entity-digest.js';
import { createEntityLedger } from '../src/port/entity-ledger.js';
import { refKey } from '../src/port/entity.js';
import {
  createIngestionSession,
  createPortClient,
  createRateBudget,
  PORT_PUBLISHED_LIMITS,
  upsertLiveEntities,
  type PortEntity,
  type RateBudgetOptions,
} from '../src/port/index.js';

const SCALE = Number(process.env.SCALE ?? 0.5);
const ENTITIES = Number(process.env.ENTITIES ?? 60_000);
const PAGE = 1000;

const entity = (i: number, generation: number): PortEntity => ({
  identifier: `svc-${i}`,
  blueprint: 'service',
  title: `Service ${i}`,
  properties: { lang: ['ts', 'go', 'py'][i % 3], stars: i + generation, url: `https://example.test/svc/${i}` },
});

async function run(label: string, limits: RateBudgetOptions['limits']): Promise<void> {
  const emulator = await startEmulator({ rateLimits: { scale: SCALE } });
  const budget = createRateBudget({ limits, concurrency: 64 });
  const client = createPortClient({ baseUrl: emulator.url, clientId: 'bench', clientSecret: 'bench', budget });
  const integration = { identifier: 'bench', type: 'bench', version: '1.0.0' };
  try {
    await client.request({
      method: 'POST',
      path: '/v1/blueprints',
      body: { identifier: 'service', title: 'Service', schema: { properties: { lang: { type: 'string' }, stars: { type: 'number' }, url: { type: 'string', format: 'url' } } } },
      integration,
    });

    const bulk = PORT_PUBLISHED_LIMITS.entitiesBulkUpsert;
    const rate = Math.max(1, Math.round(bulk.limit * SCALE)) / bulk.periodSeconds;
    const burst = Math.max(1, Math.round(bulk.burst * SCALE));
    const requests = Math.ceil(ENTITIES / 20);
    const floorSeconds = Math.max(0, requests - burst) / rate;

    const throttledBefore = budget.snapshot().throttled;
    const started = process.hrtime.bigint();
    const first = createIngestionSession({ client, integration, startedAt: new Date() });
    for (let at = 0; at < ENTITIES; at += PAGE) {
      await first.upsert(Array.from({ length: Math.min(PAGE, ENTITIES - at) }, (_, k) => entity(at + k, 0)), { kind: 'service' });
    }
    const firstOutcome = await first.finish();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const throttled = budget.snapshot().throttled - throttledBefore;
    if (firstOutcome.kinds.service?.upserted !== ENTITIES) throw new Error(`expected ${ENTITIES} upserts, got ${JSON.stringify(firstOutcome.kinds)}`);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = createIngestionSession({ client, integration, startedAt: new Date() });
    const secondStarted = process.hrtime.bigint();
    for (let at = 0; at < ENTITIES; at += PAGE) {
      await second.upsert(Array.from({ length: Math.min(PAGE, ENTITIES - at) }, (_, k) => entity(at + k, 0)), { kind: 'service' });
    }
    const secondOutcome = await second.finish();
    const secondSeconds = Number(process.hrtime.bigint() - secondStarted) / 1e9;
    if (secondOutcome.kinds.service?.upserted !== 0) throw new Error('the unchanged resync wrote entities');

    const perEntity = secondOutcome.requests / ENTITIES;
    console.log(`\n[${label}] scale ${SCALE}: bulk limit ${(rate * bulk.periodSeconds).toFixed(0)}/${bulk.periodSeconds}s (${rate.toFixed(2)} req/s), burst ${burst}`);
    console.log(`  first resync: ${ENTITIES} entities in ${seconds.toFixed(1)} s = ${(ENTITIES / seconds).toFixed(0)} entities/s`);
    console.log(`  most the limits allow: ${(ENTITIES / floorSeconds).toFixed(0)} entities/s (floor ${floorSeconds.toFixed(1)} s)`);
    console.log(`  ratio achieved / allowed: ${(floorSeconds / seconds).toFixed(3)} (goal >= 0.9)`);
    console.log(`  429s received: ${throttled}`);
    console.log(`  second resync (unchanged): ${secondOutcome.requests} Port requests for ${ENTITIES} entities = ${perEntity.toExponential(2)} per entity (goal <= 1e-3; Ocean's 50-per-search reference 2.00e-2, ratio ${(perEntity / (1 / 50)).toFixed(4)}), ${secondSeconds.toFixed(2)} s`);
  } finally {
    client.close();
    await emulator.close();
  }
}

async function shared(): Promise<void> {
  const emulator = await startEmulator({ rateLimits: { scale: SCALE } });
  const budget = createRateBudget({ limits: { scale: SCALE }, concurrency: 64 });
  const client = createPortClient({ baseUrl: emulator.url, clientId: 'bench', clientSecret: 'bench', budget });
  const owner = { identifier: 'setup', type: 'bench', version: '1.0.0' };
  try {
    await client.request({
      method: 'POST',
      path: '/v1/blueprints',
      body: { identifier: 'service', title: 'Service', schema: { properties: { lang: { type: 'string' }, stars: { type: 'number' }, url: { type: 'string', format: 'url' } } } },
      integration: owner,
    });
    const each = Math.floor(ENTITIES / 10);
    const bulk = PORT_PUBLISHED_LIMITS.entitiesBulkUpsert;
    const rate = Math.max(1, Math.round(bulk.limit * SCALE)) / bulk.periodSeconds;
    const burst = Math.max(1, Math.round(bulk.burst * SCALE));
    const floorSeconds = Math.max(0, Math.ceil(each / 20) * 10 - burst) / rate;
    const started = performance.now();
    let resyncing = true;
    const latencies: number[] = [];
    const live = (async () => {
      const integration = { identifier: 'live-probe', type: 'bench', version: '1.0.0' };
      for (let n = 0; resyncing; n++) {
        const sentAt = performance.now();
        await upsertLiveEntities(client, integration, [{ identifier: `live-${n}`, blueprint: 'service', properties: { stars: n } }]);
        latencies.push(performance.now() - sentAt);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const finished = await Promise.all(
      Array.from({ length: 10 }, async (_, n) => {
        const integration = { identifier: `tenant-${n}`, type: 'bench', version: '1.0.0' };
        const session = createIngestionSession({ client, integration, startedAt: new Date() });
        for (let at = 0; at < each; at += PAGE) {
          await session.upsert(Array.from({ length: Math.min(PAGE, each - at) }, (_, k) => ({ ...entity(at + k, 0), identifier: `t${n}-svc-${at + k}` })), { kind: 'service' });
        }
        await session.finish();
        return (performance.now() - started) / 1000;
      }),
    );
    resyncing = false;
    await live;
    const seconds = Math.max(...finished);
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(0);
    console.log(`\n[ten integrations share one budget] scale ${SCALE}: ${each * 10} entities in ${seconds.toFixed(1)} s`);
    console.log(`  ratio achieved / allowed: ${(floorSeconds / seconds).toFixed(3)} (goal >= 0.9), 429s received: ${budget.snapshot().throttled}`);
    console.log(`  integrations finished between ${Math.min(...finished).toFixed(1)} s and ${seconds.toFixed(1)} s`);
    console.log(`  live upserts during the resyncs: ${latencies.length}, latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latencies[latencies.length - 1]!.toFixed(0)} ms`);
  } finally {
    client.close();
    await emulator.close();
  }
}

function memory(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const count = 1_000_000;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heap();
  const ledger = createEntityLedger();
  for (let i = 0; i < count; i++) ledger.listed(refKey('service', `svc-${i}`), entityDigest(entity(i, 0)));
  const ledgerBytes = (heap() - before + ledger.byteLength) / count;
  const sample = 100_000;
  const beforeEntities = heap();
  const kept = Array.from({ length: sample }, (_, i) => ({ ...entity(i, 0), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }));
  const entityBytes = (heap() - beforeEntities) / sample;
  console.log(`\n[memory] change-detection ledger: ${ledgerBytes.toFixed(0)} bytes per entity (heap and off-heap table) (${count.toLocaleString('en')} entities); keeping whole listed entities instead: ${entityBytes.toFixed(0)} bytes each; ratio ${(ledgerBytes / entityBytes).toFixed(2)}`);
  if (ledger.size !== count || kept.length !== sample) throw new Error('unexpected sizes');
}

memory();
await run('budget models the limits', { scale: SCALE });
await run('budget learns the limits from headers', false);
await shared();
