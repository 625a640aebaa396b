/**
 * A process hosting live events for the acceptance tests, so they can kill -9 it mid-run.
 * Environment: EMULATOR_URL, DATA_DIR, INTEGRATIONS (comma-separated identifiers), HOLD=1 to
 * make every handle wait forever (events stay queued until the process is killed).
 * Prints `READY <url>` once it listens; `GET /_stats` gives each integration's queue figures.
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { createIntegrationLive, openLiveEventStore, registerLiveEventRoutes, type IntegrationLive } from '../../../src/live/index.js';
import { createMappingEngine } from '../../../src/mapping/index.js';
import { createPortClient, createRateBudget } from '../../../src/port/index.js';
import { defineLiveEventProcessor, type LiveEvent } from '../../../src/sdk/index.js';
import { identity, itemMapping } from './live-fixture.js';

type ItemBody = { id: string; seq: number; state?: string; archived?: boolean; action?: 'delete' };
const bodyOf = (event: LiveEvent): ItemBody => event.body as ItemBody;

const emulatorUrl = process.env.EMULATOR_URL ?? '';
const dataDir = process.env.DATA_DIR ?? '';
const identifiers = (process.env.INTEGRATIONS ?? 'acceptance').split(',');

const budget = createRateBudget({ limits: false, concurrency: 32 });
const client = createPortClient({ baseUrl: emulatorUrl, clientId: 'live-daemon', clientSecret: 'live-daemon-secret', budget, retry: { baseDelayMs: 5, maxDelayMs: 100 } });
const engine = createMappingEngine({ workers: 2 });
const store = await openLiveEventStore({ dataDir });
const logger = pino({ level: 'warn' }, pino.destination(2));
const mapping = itemMapping();

const processor = defineLiveEventProcessor({
  name: 'items',
  path: '/items',
  kinds: () => ['item'],
  validate: (event) => typeof bodyOf(event)?.id === 'string' && typeof bodyOf(event).seq === 'number',
  resourceKey: (event) => bodyOf(event).id,
  async handle(event) {
    if (process.env.HOLD === '1') await new Promise(() => undefined);
    // A short random pause, so events of different resources finish out of arrival order.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 4)));
    const body = bodyOf(event);
    return body.action === 'delete' ? { updated: [], deleted: [{ id: body.id, archived: true }] } : { updated: [body], deleted: [] };
  },
});

const lives = new Map<string, IntegrationLive>();
for (const identifier of identifiers) {
  lives.set(identifier, createIntegrationLive({ integration: identity(identifier), processors: [processor], mapping: async () => mapping, engine, client, store, logger }));
}
const app = Fastify();
registerLiveEventRoutes(app, { lookup: (id) => lives.get(id), store, logger });
app.get('/_stats', async () => Object.fromEntries([...lives].map(([id, live]) => [id, live.stats()])));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${url}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await Promise.all([...lives.values()].map((live) => live.close()));
    await store.close();
    client.close();
    await engine.close();
    process.exit(0);
  })();
});
