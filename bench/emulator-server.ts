/**
 * Server side of `npm run bench:emulator`, run in its own process so the load generator does not
 * share its event loop. Modes:
 *   reference  a bare fastify route that JSON-parses the bulk body and Map.sets each entity:
 *              the physical limit of the stack (HTTP + JSON + one store write per entity)
 *   memory     the emulator, state in memory, rate limits off
 *   disk       the emulator with a data dir (journal writes on every request)
 * Prints `url <url>` when listening; answers IPC 'mem' with memory figures after a GC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { startEmulator } from '../src/emulator/index.js';

const mode = process.argv[2] ?? 'memory';
let url: string;
let count: () => number;
let cleanup = async () => {};

if (mode === 'reference') {
  const store = new Map<string, unknown>();
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.post('/v1/auth/access_token', async () => ({ ok: true, accessToken: 'reference', expiresIn: 10800, tokenType: 'Bearer' }));
  app.post<{ Params: { bp: string }; Body: { entities: { identifier: string }[] } }>('/v1/blueprints/:bp/entities/bulk', async (request) => {
    const entities = request.body.entities.map((entity, index) => {
      store.set(`${request.params.bp}\u0000${entity.identifier}`, entity);
      return { index, identifier: entity.identifier, created: true };
    });
    return { ok: true, entities, errors: [] };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  count = () => store.size;
  cleanup = async () => app.close();
} else {
  const dataDir = mode === 'disk' ? mkdtempSync(join(tmpdir(), 'marina-bench-emulator-')) : undefined;
  const emulator = await startEmulator(dataDir === undefined ? {} : { dataDir });
  url = emulator.url;
  count = () => emulator.counts().entities;
  cleanup = async () => {
    await emulator.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  };
}

process.on('message', (message) => {
  if (message === 'mem') {
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    process.send?.({ rss: memory.rss, heapUsed: memory.heapUsed, entities: count() });
  } else if (message === 'stop') {
    void cleanup().then(() => process.exit(0));
  }
});
process.stdout.write(`url ${url}\n`);
