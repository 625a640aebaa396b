/**
 * `npm run bench:live`: webhook deliveries to ten hosted integrations on loopback. Phases
 * against Marina: a steady rate (`--rate`, default 500 events/s, paced open-loop sender) for the
 * latency from receipt to the entity being visible in the emulator (p50/p99); autocannon at the
 * same `overallRate` (which sends in bursts, see `paced`); autocannon with an open throttle for
 * the sustained events/s (accepted and handled, with the backlog drained).
 * Reference, measured in the same run: a bare fastify route that upserts each delivery to the
 * emulator before answering (no journal, no queue, no mapping), at the same steady rate.
 * The emulator, Marina and the reference each run in their own process.
 *
 * Options: --duration S (default 10), --rate N (default 500), --connections N (default 50:
 * autocannon waits for each answer before a connection's next request, so the connections must
 * outnumber rate × answer time for the offered rate to be met).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// autocannon ships no type declarations; this is the part of its API the benchmark uses.
interface CannonRequest { method: string; path: string; headers: Record<string, string>; body?: string }
interface CannonResult { '2xx': number; non2xx: number; errors: number; duration: number; latency: { p50: number; p99: number } }
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  requests: (CannonRequest & { setupRequest: (request: CannonRequest) => CannonRequest })[];
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, rate: { type: 'string', default: '500' }, connections: { type: 'string', default: '50' } } });
const duration = Number(values.duration);
const rate = Number(values.rate);
const connections = Number(values.connections);
const here = dirname(fileURLToPath(import.meta.url));
const INTEGRATIONS = 10;
const RESOURCES_PER_INTEGRATION = 100;

interface Stats { handled: number; p50: number; p99: number; max: number; acceptP50: number; acceptP99: number; afterAcceptP50: number; afterAcceptP99: number; loopP99: number; backlog: number; deadLetters: number }

function startProcess(file: string, args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, file), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, ...env } });
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /url (\S+)/.exec(chunk.toString());
      if (match) resolve({ child, url: match[1] as string });
    });
    child.on('exit', (code) => reject(new Error(`${file} ${args.join(' ')} exited with ${String(code)}`)));
  });
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(message);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await exited;
}

let sequence = 0;
function load(url: string, options: { overallRate?: number }): Promise<CannonResult> {
  return autocannon({
    url,
    connections,
    duration,
    ...options,
    requests: [
      {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const n = sequence++;
          const integration = n % INTEGRATIONS;
          const id = `item-${integration}-${Math.floor(n / INTEGRATIONS) % RESOURCES_PER_INTEGRATION}`;
          return {
            ...request,
            path: `/integrations/bench-${integration}/webhook/items`,
            headers: { ...request.headers, 'x-delivery-id': `d-${n}` },
            body: JSON.stringify({ id, seq: n, state: `state-${n % 7}` }),
          };
        },
      },
    ],
  });
}

/** Waits until the server's backlog is empty (or a minute passed) and returns its figures. */
async function settle(child: ChildProcess): Promise<{ stats: Stats; drainMs: number }> {
  const started = performance.now();
  for (;;) {
    const stats = await ask<Stats>(child, 'stats');
    if (stats.backlog === 0 || performance.now() - started > 60_000) return { stats, drainMs: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const emulator = await startProcess('emulator-server.ts', ['memory']);
const token = ((await (await fetch(`${emulator.url}/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'bench', clientSecret: 'bench' }) })).json()) as { accessToken: string }).accessToken;
await fetch(`${emulator.url}/v1/blueprints`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ identifier: 'live-item', title: 'Live item', schema: { properties: { seq: { type: 'number' }, state: { type: 'string' } } }, relations: {} }),
});

const progress = (text: string): void => void process.stderr.write(`bench:live: ${text}\n`);
const rows: string[] = [];
interface Load { ok: number; failed: number }
const row = (name: string, load: Load, stats: Stats, extra: string): void => {
  const accepted = load.ok / duration;
  rows.push(`${name.padEnd(30)} ${accepted.toFixed(0).padStart(10)} ${String(stats.handled).padStart(8)} ${stats.p50.toFixed(1).padStart(7)} ${stats.p99.toFixed(1).padStart(7)} ${stats.acceptP99.toFixed(1).padStart(8)} ${stats.loopP99.toFixed(1).padStart(6)} ${String(load.failed).padStart(7)} ${String(stats.deadLetters).padStart(5)}  ${extra}`);
};
const cannon = (result: CannonResult): Load => ({ ok: result['2xx'], failed: result.non2xx + result.errors });

/**
 * An open-loop sender at a steady rate: one delivery every 1000/rate ms whatever the answers
 * do (autocannon's `overallRate` instead lets each connection send its per-second quota as fast
 * as it can at the top of every second, a burst that measures queueing, not steady latency).
 */
async function paced(url: string, perSecond: number): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const interval = 1000 / perSecond;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const send = (): void => {
    const n = sequence++;
    const integration = n % INTEGRATIONS;
    const body = JSON.stringify({ id: `item-${integration}-${Math.floor(n / INTEGRATIONS) % RESOURCES_PER_INTEGRATION}`, seq: n, state: `state-${n % 7}` });
    const { hostname, port } = new URL(url);
    const done = new Promise<void>((resolve) => {
      const request = httpRequest(
        { agent, hostname, port, method: 'POST', path: `/integrations/bench-${integration}/webhook/items`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-delivery-id': `d-${n}` } },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 202 || response.statusCode === 200) ok++;
            else failed++;
            resolve();
          });
        },
      );
      request.on('error', () => {
        failed++;
        resolve();
      });
      request.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  while (performance.now() - started < duration * 1000) {
    const due = Math.floor((performance.now() - started) / interval) + 1;
    while (sent < due) {
      send();
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + sent * interval - performance.now())));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { ok, failed };
}

/** A slow pass first: jq programs compiled, Port token fetched, connections open. */
async function warmUp(child: ChildProcess, url: string): Promise<void> {
  await paced(url, 50);
  await settle(child);
  await ask(child, 'reset');
}

progress(`reference, paced ${rate}/s`);
const reference = await startProcess('live-server.ts', ['reference'], { EMULATOR_URL: emulator.url });
await warmUp(reference.child, reference.url);
const referenceLoad = await paced(reference.url, rate);
const referenceStats = (await settle(reference.child)).stats;
row(`reference, paced ${rate}/s`, referenceLoad, referenceStats, '');
await stop(reference.child);

const marina = await startProcess('live-server.ts', ['marina'], { EMULATOR_URL: emulator.url });
progress(`marina, paced ${rate}/s`);
await warmUp(marina.child, marina.url);
const pacedLoad = await paced(marina.url, rate);
const pacedSettled = await settle(marina.child);
row(`marina, paced ${rate}/s`, pacedLoad, pacedSettled.stats, `receipt to 202 p50 ${pacedSettled.stats.acceptP50.toFixed(1)} ms; 202 to Port p50/p99 ${pacedSettled.stats.afterAcceptP50.toFixed(1)}/${pacedSettled.stats.afterAcceptP99.toFixed(1)} ms; backlog drained ${pacedSettled.drainMs.toFixed(0)} ms after the load stopped`);

progress(`marina, autocannon overallRate ${rate}`);
await ask(marina.child, 'reset');
const bursts = await load(marina.url, { overallRate: rate });
const burstsSettled = await settle(marina.child);
row(`marina, autocannon ${rate}/s bursts`, cannon(bursts), burstsSettled.stats, `each second's ${rate} requests sent at its start`);

progress('marina, autocannon open throttle');
await ask(marina.child, 'reset');
const open = await load(marina.url, {});
const openSettled = await settle(marina.child);
const handledPerSecond = openSettled.stats.handled / (duration + openSettled.drainMs / 1000);
row('marina, autocannon open', cannon(open), openSettled.stats, `sustained: ${handledPerSecond.toFixed(0)} events/s handled, including the ${openSettled.drainMs.toFixed(0)} ms drain`);
await stop(marina.child);
await stop(emulator.child);

console.log(`bench:live — ${INTEGRATIONS} integrations, ${INTEGRATIONS * RESOURCES_PER_INTEGRATION} resources, ${connections} connections, ${duration} s per phase; latency = receipt to the entity visible in the emulator (ms)`);
console.log('run                            accepted/s  handled     p50     p99  202 p99  loop99  failed  dead  note');
for (const line of rows) console.log(line);
console.log(`p99 at a steady ${rate}/s: marina ${pacedSettled.stats.p99.toFixed(1)} ms (goal < 50), reference ${referenceStats.p99.toFixed(1)} ms, ratio ${(pacedSettled.stats.p99 / referenceStats.p99).toFixed(2)}`);
