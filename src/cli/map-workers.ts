import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { FieldProblem, ItemError, MapPageResult, MappingEngineOptions, MisconfiguredField, ResourceConfig } from '../mapping/index.js';
import { createJqPool, type JqPool, type RunOutcome } from '../mapping/wasm/jq-pool.js';
import { startModuleWorker } from '../start-worker.js';
import { RecordInputError, type RecordBatch } from './record-batches.js';

/**
 * The dry run's threads: each worker parses batches of raw records, maps them with its own
 * mapping engine and returns the NDJSON text, so parsing, mapping and serialising a large input
 * use every core while the main thread only splits the input and writes the output in order.
 * The engines share one jq-wasm pool, here on the main thread (it starts on the first request):
 * jq's compile checks and whatever the fast path leaves to jq go through it.
 */

export interface MapWorkerData {
  resources: ResourceConfig[];
  engine: NonNullable<MappingEngineOptions['engine']>;
  allowEnv: boolean;
  parseAll: boolean;
  /** Named in input error messages. */
  source: string;
}

/**
 * One resource's results for one batch: NDJSON, already UTF-8 (encoded on the worker, so the
 * main thread only writes bytes); item error indexes count from the batch's start.
 */
export interface ResourceBatchResult {
  passed: Uint8Array;
  failed: Uint8Array;
  counts: MapPageResult['counts'];
  /** Fields left null, with how many items and an example (see the mapping stage). */
  misconfiguredFields: Record<string, MisconfiguredField>;
  itemErrors: ItemError[];
}

export interface BatchResult {
  records: number;
  /** Records that are not objects: their index in the batch and what they are. */
  refused: { index: number; got: string }[];
  resources: ResourceBatchResult[];
}

export type WorkerMessage =
  | { type: 'ready'; problems: FieldProblem[][] }
  | { type: 'jq-check'; id: number; program: string }
  | { type: 'jq-run'; id: number; program: string; input: string; expected: number }
  | { type: 'result'; seq: number; result: BatchResult }
  | { type: 'result'; seq: number; error: { input: boolean; message: string } };

export type MainMessage =
  | { type: 'batch'; seq: number; batch: RecordBatch }
  | { type: 'jq-checked'; id: number; compileError: string | undefined }
  | { type: 'jq-ran'; id: number; outcome: RunOutcome }
  | { type: 'close' };

export interface MapWorkers {
  /** Each resource's expression problems, once the first worker has compiled the mapping. */
  readonly ready: Promise<FieldProblem[][]>;
  /** Parses and maps one batch on the least busy worker. */
  map(batch: RecordBatch): Promise<BatchResult>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  inflight: number;
}

/** Worker threads for a machine: one per core, at most four (beyond that, output is the limit). */
export function defaultMapWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

export function createMapWorkers(data: MapWorkerData, count = defaultMapWorkerCount()): MapWorkers {
  // jq-wasm only checks expressions unless the fast path is off: one thread does; else one per core.
  const jq: JqPool = createJqPool({ size: data.engine === 'jq-wasm' ? Math.max(2, availableParallelism() - 1) : 1 });
  const pending = new Map<number, { resolve: (result: BatchResult) => void; reject: (error: Error) => void }>();
  let seq = 0;
  let failure: Error | undefined;
  let resolveReady!: (problems: FieldProblem[][]) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<FieldProblem[][]>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);

  const failAll = (error: Error): void => {
    failure ??= error;
    rejectReady(failure);
    for (const entry of pending.values()) entry.reject(failure);
    pending.clear();
  };

  const slots: Slot[] = Array.from({ length: count }, () => {
    const slot: Slot = { worker: startModuleWorker(new URL('./map-worker.js', import.meta.url), { workerData: data }), inflight: 0 };
    const reply = (message: MainMessage): void => slot.worker.postMessage(message);
    slot.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        resolveReady(message.problems);
        return;
      }
      if (message.type === 'jq-check') {
        jq.check(message.program).then(
          (compileError) => reply({ type: 'jq-checked', id: message.id, compileError }),
          (error: Error) => failAll(error),
        );
        return;
      }
      if (message.type === 'jq-run') {
        jq.run(message.program, message.input, message.expected).then(
          (outcome) => reply({ type: 'jq-ran', id: message.id, outcome }),
          (error: Error) => failAll(error),
        );
        return;
      }
      const entry = pending.get(message.seq);
      if (entry === undefined) return;
      pending.delete(message.seq);
      slot.inflight--;
      if ('result' in message) entry.resolve(message.result);
      else entry.reject(message.error.input ? new RecordInputError(message.error.message) : new Error(message.error.message));
    });
    slot.worker.on('error', (error) => failAll(new Error(`a mapping worker failed: ${error.message}`)));
    slot.worker.on('exit', (code) => {
      if (!closing) failAll(new Error(`a mapping worker exited with code ${code}`));
    });
    return slot;
  });
  let closing = false;

  return {
    ready,
    map(batch) {
      if (failure !== undefined) return Promise.reject(failure);
      const slot = slots.reduce((best, s) => (s.inflight < best.inflight ? s : best));
      const id = seq++;
      // A copy the worker can own: the batch is a view into a larger buffer.
      const bytes = new Uint8Array(batch.bytes);
      return new Promise<BatchResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        slot.inflight++;
        const message: MainMessage = { type: 'batch', seq: id, batch: { ...batch, bytes } };
        slot.worker.postMessage(message, [bytes.buffer]);
      });
    },
    async close() {
      closing = true;
      await Promise.all(
        slots.map(
          (slot) =>
            new Promise<void>((resolve) => {
              // The worker closes its engine (and jq-wasm threads) and exits; a stuck one is stopped.
              const timer = setTimeout(() => void slot.worker.terminate(), 5_000);
              slot.worker.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              slot.worker.postMessage({ type: 'close' } satisfies MainMessage);
            }),
        ),
      );
      await jq.close();
    },
  };
}
