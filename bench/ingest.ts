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
 * Environment: SCALE, ENTITIES.
 */
import { startEmulator } from '../src/emulator/index.js';
import { createIngestionSession, createPortClient, createRateBudget, PORT_PUBLISHED_LIMITS, type PortEntity, type RateBudgetOptions } from '../src/port/index.js';

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

await run('budget models the limits', { scale: SCALE });
await run('budget learns the limits from headers', false);
