/**
 * `npm run bench:logging`: what secret redaction costs. Marina's logger (pino + structured
 * redaction paths + masking of registered secret values in every serialised line) against plain
 * pino with the same level and sink, on an integration child logger writing a typical line (a
 * message, a few fields, a nested object). 20 secrets are registered, as 20 integrations with one
 * sensitive field each would. Rounds alternate; each side keeps its best round.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createLogger } from '../src/observability/logger.js';
import { createSecretRedactor } from '../src/observability/secret-redactor.js';

const LINES = Number(process.env.BENCH_LINES ?? 200_000);
const ROUNDS = 3;

let bytes = 0;
let lastLine = '';
const sink = {
  write(line: string) {
    bytes += line.length;
    lastLine = line;
  },
};

const redactor = createSecretRedactor();
for (let i = 0; i < 20; i++) redactor.add(`ghp_${i.toString().padStart(2, '0')}x9Yq7LmN3vB5tR8wK2pD4fH6jS1aZ0cE`);
const marina = createLogger({ level: 'info', redactor, destination: sink }).child({ integration: 'github-acme' });
const reference = pino({ level: 'info', base: { name: 'marina' } }, sink).child({ integration: 'github-acme' });

function run(logger: { info(obj: object, msg: string): void }): number {
  const start = performance.now();
  for (let i = 0; i < LINES; i++) {
    logger.info({ kind: 'repository', page: i, records: 100, request: { url: 'https://api.github.com/orgs/acme/repos', status: 200 } }, 'fetched page of repositories');
  }
  return LINES / ((performance.now() - start) / 1000);
}

// Correctness first: a secret written by a plugin must come out masked.
marina.info({ header: 'token ghp_07x9Yq7LmN3vB5tR8wK2pD4fH6jS1aZ0cE' }, 'calling with ghp_07x9Yq7LmN3vB5tR8wK2pD4fH6jS1aZ0cE');
if (lastLine.includes('ghp_07')) throw new Error(`secret not masked: ${lastLine}`);

run(marina);
run(reference);
let best = { marina: 0, reference: 0 };
for (let round = 0; round < ROUNDS; round++) {
  best = { marina: Math.max(best.marina, run(marina)), reference: Math.max(best.reference, run(reference)) };
}
const lineBytes = Math.round(bytes / (LINES * (ROUNDS + 1) * 2 + 1));
console.log(`lines per run: ${LINES}, ~${lineBytes} B/line, 20 registered secrets`);
console.log(`marina logger (redacting): ${Math.round(best.marina).toLocaleString('en-US')} lines/s`);
console.log(`plain pino (reference):    ${Math.round(best.reference).toLocaleString('en-US')} lines/s`);
console.log(`ratio marina / reference:  ${(best.marina / best.reference).toFixed(2)}`);
