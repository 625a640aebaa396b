/**
 * `npm run bench:live`: webhook deliveries to ten hosted integrations on loopback, driven by
 * autocannon. Two phases against Marina: a fixed rate (`--rate`, default 500 events/s) for the
 * latency from receipt to the entity being visible in the emulator (p50/p99), then an open
 * throttle for the sustained events/s (accepted and handled, with the backlog drained).
 * Reference, measured in the same run: a bare fastify route that upserts each delivery to the
 * emulator before answering (no journal, no queue, no mapping), at the same fixed rate.
 * The emulator, Marina and the reference each run in their own process.
 *
 * Options: --duration S (default 10), --rate N (default 500), --connections N (default 50:
 * autocannon waits for each answer before a connection's next request, so the connections must
 * outnumber rate × answer time for the offered rate to be met).
 */
import { fork, type ChildProcess } from 'node:child_process';
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

interface Stats { handled: number; p50: number; p99: number; max: number; acceptP50: number; acceptP99: number; loopP99: number; backlog: number; deadLetters: number }

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
const row = (name: string, result: CannonResult, stats: Stats, extra: string): void => {
  const accepted = result['2xx'] / duration;
  rows.push(`${name.padEnd(24)} ${accepted.toFixed(0).padStart(10)} ${String(stats.handled).padStart(8)} ${stats.p50.toFixed(1).padStart(7)} ${stats.p99.toFixed(1).padStart(7)} ${stats.max.toFixed(1).padStart(7)} ${String(result.non2xx + result.errors).padStart(8)} ${String(stats.deadLetters).padStart(5)}  ${extra}`);
};

// Reference first, at the same fixed rate.
progress('reference');
const reference = await startProcess('live-server.ts', ['reference'], { EMULATOR_URL: emulator.url });
await load(reference.url, { overallRate: Math.min(rate, 50) }); // warm-up
await ask(reference.child, 'reset');
const referenceResult = await load(reference.url, { overallRate: rate });
const referenceStats = (await settle(reference.child)).stats;
row(`reference @ ${rate}/s`, referenceResult, referenceStats, '');
await stop(reference.child);

progress('marina at a fixed rate');
const marina = await startProcess('live-server.ts', ['marina'], { EMULATOR_URL: emulator.url });
await load(marina.url, { overallRate: Math.min(rate, 50) }); // warm-up: jq programs compiled, connections open
await settle(marina.child);
await ask(marina.child, 'reset');
const fixed = await load(marina.url, { overallRate: rate });
const fixedSettled = await settle(marina.child);
row(`marina @ ${rate}/s`, fixed, fixedSettled.stats, `receipt to 202: p50 ${fixedSettled.stats.acceptP50.toFixed(1)} ms, p99 ${fixedSettled.stats.acceptP99.toFixed(1)} ms; event-loop delay p99 ${fixedSettled.stats.loopP99.toFixed(1)} ms; backlog drained ${fixedSettled.drainMs.toFixed(0)} ms after the load stopped`);

progress('marina, open throttle');
await ask(marina.child, 'reset');
const open = await load(marina.url, {});
const openSettled = await settle(marina.child);
const handledPerSecond = openSettled.stats.handled / (duration + openSettled.drainMs / 1000);
row('marina, open throttle', open, openSettled.stats, `handled ${handledPerSecond.toFixed(0)} events/s including the ${openSettled.drainMs.toFixed(0)} ms drain`);
await stop(marina.child);
await stop(emulator.child);

console.log(`bench:live — ${INTEGRATIONS} integrations, ${INTEGRATIONS * RESOURCES_PER_INTEGRATION} resources, ${connections} connections, ${duration} s per phase; latency = receipt to the entity visible in the emulator (ms)`);
console.log('run                      accepted/s  handled     p50     p99     max  non-2xx  dead  note');
for (const line of rows) console.log(line);
console.log(`ratio p99 marina / reference at ${rate}/s: ${(fixedSettled.stats.p99 / referenceStats.p99).toFixed(2)}`);
