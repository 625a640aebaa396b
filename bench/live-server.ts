/**
 * Server side of `npm run bench:live`, in its own process so the load generator does not share
 * its event loop. Modes:
 *   marina     ten integrations' live events: raw body, processor checks, journal fsync (group
 *              commit) before the 202, per-resource queues, jq mapping, live upsert to Port
 *   reference  a bare fastify route that JSON-parses the body and upserts the entity to Port
 *              through the same Port client before answering: no journal, no queue, no mapping
 * Latency is measured from receipt (the request reaching the route) to Port's answer to the
 * upsert, after which the entity is visible in the emulator. Prints `url <url>`; IPC: 'stats'
 * answers the figures since the last 'reset'; 'stop' exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { pino } from 'pino';
import { createIntegrationLive, openLiveEventStore, registerLiveEventRoutes, type IntegrationLive } from '../src/live/index.js';
import { createMappingEngine, parsePortAppConfig } from '../src/mapping/index.js';
import { bulkUpsert, createPortClient, createRateBudget, type IntegrationIdentity } from '../src/port/index.js';
import { defineLiveEventProcessor, type LiveEvent } from '../src/sdk/index.js';

const mode = process.argv[2] ?? 'marina';
const emulatorUrl = process.env.EMULATOR_URL ?? '';
const INTEGRATIONS = 10;

const identity = (identifier: string): IntegrationIdentity => ({ identifier, type: 'bench', version: '0.1.0' });
const budget = createRateBudget({ limits: false, concurrency: 64 });
const client = createPortClient({ baseUrl: emulatorUrl, clientId: 'bench', clientSecret: 'bench', budget });
const logger = pino({ level: 'warn' }, pino.destination(2));

type ItemBody = { id: string; seq: number; state: string };
let latencies: number[] = [];
/** Receipt to persisted (the moment the 202 goes out), Marina only. */
let acceptLatencies: number[] = [];
/** Persisted to written to Port (queue wait, handle, mapping, upsert), Marina only. */
let afterAcceptLatencies: number[] = [];
const acceptedAt = new Map<string, number>();
let handled = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const record = (startedAt: number): void => {
  latencies.push(performance.now() - startedAt);
  handled++;
};

const app = Fastify({ logger: false });
let lives: IntegrationLive[] = [];
let cleanup = async (): Promise<void> => {};

if (mode === 'reference') {
  app.post<{ Params: { id: string }; Body: ItemBody }>('/integrations/:id/webhook/items', async (request, reply) => {
    const startedAt = performance.now();
    const body = request.body;
    await bulkUpsert(client, identity(request.params.id), 'live-item', [{ identifier: body.id, blueprint: 'live-item', title: body.id, properties: { seq: body.seq, state: body.state } }], { merge: true, createMissingRelatedEntities: true });
    record(startedAt);
    return reply.code(200).send({ ok: true });
  });
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'marina-bench-live-'));
  const store = await openLiveEventStore({ dataDir });
  const engine = createMappingEngine({ workers: 1 });
  const mapping = parsePortAppConfig(
    `resources:
  - kind: item
    selector: { query: 'true' }
    port:
      entity:
        mappings:
          identifier: .id
          title: .id
          blueprint: '"live-item"'
          properties: { seq: .seq, state: .state }
`,
    'bench mapping',
  );
  // Receipt time per event id: taken when the route first sees the request (onRequest).
  const receivedAt = new Map<string, number>();
  const processor = defineLiveEventProcessor({
    name: 'items',
    path: '/items',
    kinds: () => ['item'],
    validate: (event) => typeof (event.body as ItemBody)?.id === 'string',
    resourceKey: (event) => (event.body as ItemBody).id,
    handle: async (event: LiveEvent) => ({ updated: [event.body as ItemBody], deleted: [] }),
  });
  const map = new Map<string, IntegrationLive>();
  for (let i = 0; i < INTEGRATIONS; i++) {
    const identifier = `bench-${i}`;
    map.set(
      identifier,
      createIntegrationLive({
        integration: identity(identifier),
        processors: [processor],
        mapping: async () => mapping,
        engine,
        client,
        store,
        logger,
        onSettled: (event, outcome) => {
          const startedAt = receivedAt.get(event.id);
          receivedAt.delete(event.id);
          const accepted = acceptedAt.get(event.id);
          acceptedAt.delete(event.id);
          if (outcome.status === 'handled' && accepted !== undefined) afterAcceptLatencies.push(performance.now() - accepted);
          if (outcome.status === 'handled' && startedAt !== undefined) record(startedAt);
        },
      }),
    );
  }
  lives = [...map.values()];
  // Every benchmark request carries a unique delivery id, which links the receipt time taken
  // in onRequest to the event the route accepts.
  const startedByDelivery = new Map<string, number>();
  app.addHook('onRequest', async (request) => {
    const delivery = request.headers['x-delivery-id'];
    if (typeof delivery === 'string') startedByDelivery.set(delivery, performance.now());
  });
  registerLiveEventRoutes(app, {
    lookup: (id) => map.get(id),
    store,
    logger,
    onAccepted: (event) => {
      if (event.deliveryId === undefined) return;
      const startedAt = startedByDelivery.get(event.deliveryId);
      startedByDelivery.delete(event.deliveryId);
      if (startedAt === undefined) return;
      receivedAt.set(event.id, startedAt);
      acceptLatencies.push(performance.now() - startedAt);
      acceptedAt.set(event.id, performance.now());
    },
  });
  cleanup = async () => {
    await Promise.all(lives.map((live) => live.close()));
    await store.close();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

process.on('message', (message) => {
  if (message === 'reset') {
    latencies = [];
    acceptLatencies = [];
    afterAcceptLatencies = [];
    handled = 0;
    loopDelay.reset();
    process.send?.('ok');
  } else if (message === 'stats') {
    const sorted = [...latencies].sort((a, b) => a - b);
    const accepted = [...acceptLatencies].sort((a, b) => a - b);
    const afterAccept = [...afterAcceptLatencies].sort((a, b) => a - b);
    const queued = lives.reduce((sum, live) => sum + live.stats().queued + live.stats().running, 0);
    const deadLetters = lives.reduce((sum, live) => sum + live.stats().deadLetters, 0);
    process.send?.({ handled, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0, acceptP50: percentile(accepted, 50), acceptP99: percentile(accepted, 99), afterAcceptP50: percentile(afterAccept, 50), afterAcceptP99: percentile(afterAccept, 99), loopP99: loopDelay.percentile(99) / 1e6, backlog: queued, deadLetters });
  } else if (message === 'stop') {
    void app
      .close()
      .then(cleanup)
      .then(() => {
        client.close();
        process.exit(0);
      });
  }
});
process.stdout.write(`url ${url}\n`);
