/**
 * `npm run bench:emulator`: bulk upserts per second into the emulator (rate limits off) and the
 * memory each stored entity costs, next to a reference measured in the same run: a bare fastify
 * route that only JSON-parses the body and Map.sets each entity (see bench/emulator-server.ts).
 * Each server runs in its own process; autocannon drives it from this one.
 *
 * The servers take turns for `--rounds` rounds and each keeps its best round, which damps the
 * noise of a shared machine.
 *
 * Options: --duration S (default 10), --connections N (default 32), --rounds N (default 2).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// autocannon ships no type declarations; this is the part of its API the benchmark uses.
interface CannonRequest { method: string; path: string; headers: Record<string, string>; body?: string }
interface CannonResult { '2xx': number; non2xx: number; errors: number; latency: { p99: number } }
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: (CannonRequest & { setupRequest: (request: CannonRequest) => CannonRequest })[];
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' }, rounds: { type: 'string', default: '2' } } });
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
const here = dirname(fileURLToPath(import.meta.url));
const BATCH = 20;

interface Memory { rss: number; heapUsed: number; entities: number }

function startServer(mode: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'emulator-server.ts'), [mode], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /url (\S+)/.exec(chunk.toString());
      if (match) resolve({ child, url: match[1] as string });
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${String(code)}`)));
  });
}

function memory(child: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as Memory));
    child.send('mem');
  });
}

async function post(url: string, path: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return response.json();
}

async function measure(mode: string) {
  const { child, url } = await startServer(mode);
  const { accessToken } = await post(url, '/v1/auth/access_token', { clientId: 'bench', clientSecret: 'bench' });
  if (mode !== 'reference') {
    await post(url, '/v1/blueprints', {
      identifier: 'service', title: 'Service',
      schema: { properties: { language: { type: 'string', enum: ['ts', 'py', 'go'] }, stars: { type: 'number' }, url: { type: 'string', format: 'url' }, tags: { type: 'array' } } },
    }, accessToken);
  }
  const before = await memory(child);
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [{
      method: 'POST',
      path: '/v1/blueprints/service/entities/bulk?upsert=true&merge=true',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}`, 'user-agent': 'port-ocean/bench/1.0/bench/exporter' },
      setupRequest: (request) => {
        const entities = Array.from({ length: BATCH }, () => {
          const n = next++;
          return { identifier: `svc-${n}`, title: `Service ${n}`, properties: { language: 'ts', stars: n % 1000, url: `https://example.com/${n}`, tags: ['a', 'b'] }, relations: {} };
        });
        return { ...request, body: JSON.stringify({ entities }) };
      },
    }],
  });
  const after = await memory(child);
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  const ok = result['2xx'];
  const stored = after.entities - before.entities;
  return {
    mode,
    requestsPerSecond: ok / duration,
    entitiesPerSecond: (ok * BATCH) / duration,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    stored,
    rssBytesPerEntity: stored > 0 ? (after.rss - before.rss) / stored : 0,
    heapBytesPerEntity: stored > 0 ? (after.heapUsed - before.heapUsed) / stored : 0,
  };
}

type Row = Awaited<ReturnType<typeof measure>>;
const best = new Map<string, Row>();
for (let round = 0; round < rounds; round++) {
  for (const mode of ['reference', 'memory', 'disk']) {
    const row = await measure(mode);
    const previous = best.get(mode);
    if (previous === undefined || row.requestsPerSecond > previous.requestsPerSecond) best.set(mode, row);
  }
}
const rows = [...best.values()];
const reference = best.get('reference') as Row;
console.log(`bench:emulator — best of ${rounds} rounds of ${duration} s per server, ${connections} connections, ${BATCH} entities per bulk upsert, rate limits off`);
console.log('server     bulk req/s  entities/s  p99 ms  non-2xx  ratio-to-reference  RSS B/entity  heap B/entity');
for (const row of rows) {
  console.log(
    `${row.mode.padEnd(10)} ${row.requestsPerSecond.toFixed(0).padStart(10)} ${row.entitiesPerSecond.toFixed(0).padStart(11)} ${String(row.p99Ms).padStart(7)} ${String(row.non2xx + row.errors).padStart(8)} ${(row.requestsPerSecond / reference.requestsPerSecond).toFixed(2).padStart(19)} ${row.rssBytesPerEntity.toFixed(0).padStart(13)} ${row.heapBytesPerEntity.toFixed(0).padStart(14)}`,
  );
}
