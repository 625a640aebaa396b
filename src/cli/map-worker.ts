import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { createMappingEngine } from '../mapping/engine.js';
import type { JqPool, RunOutcome } from '../mapping/wasm/jq-pool.js';
import type { BatchResult, MainMessage, MapWorkerData, WorkerMessage } from './map-workers.js';
import { parseRecordBatch, RecordInputError } from './record-batches.js';

/** A mapping worker of the dry run (see map-workers.ts): parse, map, serialise. */

const data = workerData as MapWorkerData;
const port = parentPort!;

/** The main thread's jq-wasm pool, reached by messages. */
const answers = new Map<number, (answer: string | undefined | RunOutcome) => void>();
let asked = 0;
function ask<T extends string | undefined | RunOutcome>(message: Extract<WorkerMessage, { type: 'jq-check' | 'jq-run' }>): Promise<T> {
  return new Promise((resolve) => {
    answers.set(message.id, resolve as (answer: string | undefined | RunOutcome) => void);
    send(message);
  });
}
const jqPool: JqPool = {
  check: (program) => ask<string | undefined>({ type: 'jq-check', id: asked++, program }),
  run: (program, input, expected) => ask<RunOutcome>({ type: 'jq-run', id: asked++, program, input, expected }),
  close: () => Promise.resolve(),
};

const engine = createMappingEngine({ engine: data.engine, allowEnv: data.allowEnv, jqPool });
const compiled = Promise.all(data.resources.map((resource) => engine.compile(resource)));

// TextEncoder gives each result its own ArrayBuffer, which can be handed over without a copy.
const utf8 = new TextEncoder();

function send(message: WorkerMessage): void {
  const owned = message.type === 'result' && 'result' in message ? message.result.resources.flatMap((r) => [r.passed.buffer, r.failed.buffer]) : [];
  port.postMessage(message, owned as ArrayBuffer[]);
}

compiled.then(
  (results) => send({ type: 'ready', problems: results.map((r) => r.problems) }),
  (error: unknown) => {
    throw error;
  },
);

async function mapBatch(message: Extract<MainMessage, { type: 'batch' }>): Promise<BatchResult> {
  await compiled;
  const records = parseRecordBatch(message.batch, data.source);
  const objects: unknown[] = [];
  const origins: number[] = [];
  const refused: BatchResult['refused'] = [];
  records.forEach((record, i) => {
    if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
      objects.push(record);
      origins.push(i);
    } else {
      refused.push({ index: i, got: record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record });
    }
  });
  const resources: BatchResult['resources'] = [];
  for (const resource of data.resources) {
    const result = await engine.mapPage(resource, objects, { parseAll: data.parseAll });
    let passed = '';
    for (const entity of result.passed) passed += `${JSON.stringify(entity)}\n`;
    let failed = '';
    for (const entity of result.failed) failed += `${JSON.stringify(entity)}\n`;
    resources.push({
      passed: utf8.encode(passed),
      failed: utf8.encode(failed),
      counts: result.counts,
      misconfiguredFields: result.misconfiguredFields,
      itemErrors: result.itemErrors.map((e) => ({ ...e, index: origins[e.index]! })),
    });
  }
  return { records: records.length, refused, resources };
}

port.on('message', (message: MainMessage) => {
  if (message.type === 'jq-checked' || message.type === 'jq-ran') {
    const answer = answers.get(message.id);
    answers.delete(message.id);
    answer?.(message.type === 'jq-checked' ? message.compileError : message.outcome);
    return;
  }
  if (message.type === 'close') {
    void engine.close().finally(() => port.close());
    return;
  }
  mapBatch(message).then(
    (result) => send({ type: 'result', seq: message.seq, result }),
    (error: unknown) => send({ type: 'result', seq: message.seq, error: { input: error instanceof RecordInputError, message: error instanceof RecordInputError ? error.message : describeError(error) } }),
  );
});
