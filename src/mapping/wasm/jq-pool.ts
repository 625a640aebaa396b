import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MarinaError } from '../../errors.js';
import type { JqLoadOptions } from 'jq-wasm';
import { WORKER_READY, type WorkerRequest, type WorkerResponse } from './jq-protocol.js';

/** The tsconfig has no DOM lib, so the WebAssembly global is typed here. */
type WasmModule = NonNullable<JqLoadOptions['wasmModule']>;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

type TaskResponse = WorkerResponse | { ok: false; reason: 'aborted' | 'failed' | 'timeout'; message: string };
type TaskRequest = { type: 'run'; program: string; input: string; expected: number } | { type: 'check'; program: string };

/**
 * A pool of worker threads, each with its own jq-wasm handle made from one compiled
 * WebAssembly module. jq runs synchronously inside the wasm, so running it on the main thread
 * would freeze webhooks and the Port queue for the whole call; in the pool the event loop only
 * pays for posting the input and receiving the parsed results.
 */

export interface JqPoolOptions {
  /** Worker threads; they start lazily on the first request. */
  size: number;
  /** A call running longer than this is treated as stuck: its worker is replaced. */
  callTimeoutMs?: number;
}

export type RunOutcome = { ok: true; results: unknown[] } | { ok: false; reason: 'aborted' | 'failed' | 'timeout'; message: string };

export interface JqPool {
  /** Runs `program` over `input` (a JSON array text of `expected` records), one result per record. */
  run(program: string, input: string, expected: number): Promise<RunOutcome>;
  /** Returns jq's compile error for `program` (run with `-n`), or undefined when it compiles. */
  check(program: string): Promise<string | undefined>;
  close(): Promise<void>;
}

interface Task {
  request: TaskRequest;
  resolve: (response: TaskResponse) => void;
}

interface Slot {
  worker: Worker;
  /** Booting a thread (and tsx from source) can take seconds on a loaded machine; calls wait for it untimed. */
  ready: boolean;
  busy: Task | undefined;
  id: number;
  timer: NodeJS.Timeout | undefined;
}

let wasmModulePromise: Promise<WasmModule> | undefined;

/** Compiling the 0.9 MB module once and sharing it saves every worker a compile. */
function compiledJqModule(): Promise<WasmModule> {
  wasmModulePromise ??= readFile(createRequire(import.meta.url).resolve('jq-wasm/jq.wasm')).then((bytes) => wasm.compile(bytes));
  return wasmModulePromise;
}

/** tsx's ESM API (`tsx/esm/api`) as a file URL, resolved from this module. */
function tsxApiUrl(): string {
  const resolved = createRequire(import.meta.url).resolve('tsx/esm/api');
  // require() resolves the CommonJS build; the ESM one sits beside it.
  const esm = resolved.replace(/\.cjs$/, '.mjs');
  return pathToFileURL(existsSync(esm) ? esm : resolved).href;
}

function startWorker(wasmModule: WasmModule): Worker {
  const js = new URL('./jq-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: { wasmModule } });
  // Running from source (jest, tsx): load the TypeScript worker through tsx's loader.
  const ts = new URL('./jq-worker.ts', import.meta.url).href;
  // An eval'd worker resolves bare specifiers from the process's cwd, which need not be this
  // checkout (`bin/marina sail` run from elsewhere): import tsx by its absolute URL instead.
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { wasmModule } });
}

export function createJqPool(options: JqPoolOptions): JqPool {
  const size = Math.max(1, options.size);
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const queue: Task[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  let starting: Promise<void> | undefined;

  const spawn = (wasmModule: WasmModule): Slot => {
    const slot: Slot = { worker: startWorker(wasmModule), ready: false, busy: undefined, id: 0, timer: undefined };
    slot.worker.unref();
    slot.worker.on('message', (response: WorkerResponse | typeof WORKER_READY) => {
      if (response === WORKER_READY) {
        slot.ready = true;
        pump();
        return;
      }
      if (slot.busy === undefined || response.id !== slot.id) return;
      finish(slot, response);
    });
    slot.worker.on('error', (error) => replace(slot, `jq worker crashed: ${error.message}`));
    slot.worker.on('exit', () => {
      if (!closed && slots.includes(slot)) replace(slot, 'jq worker exited');
    });
    return slot;
  };

  const finish = (slot: Slot, response: TaskResponse): void => {
    const task = slot.busy;
    clearTimeout(slot.timer);
    slot.busy = undefined;
    slot.worker.unref();
    task?.resolve(response);
    pump();
  };

  const replace = (slot: Slot, message: string): void => {
    const index = slots.indexOf(slot);
    if (index === -1) return;
    const task = slot.busy;
    clearTimeout(slot.timer);
    slots.splice(index, 1);
    void slot.worker.terminate();
    if (!closed) void compiledJqModule().then((m) => {
      if (!closed) {
        slots.push(spawn(m));
        pump();
      }
    });
    task?.resolve({ ok: false, reason: message.includes('timed out') ? 'timeout' : 'failed', message });
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.busy !== undefined) continue;
      const task = queue.shift()!;
      slot.busy = task;
      slot.id = nextId++;
      slot.worker.ref();
      slot.timer = setTimeout(() => replace(slot, `jq call timed out after ${callTimeoutMs} ms`), callTimeoutMs);
      slot.worker.postMessage({ ...task.request, id: slot.id } as WorkerRequest);
    }
  };

  const ensureStarted = (): Promise<void> => {
    starting ??= compiledJqModule().then((m) => {
      for (let i = 0; i < size; i++) slots.push(spawn(m));
    });
    return starting;
  };

  const submit = async (request: TaskRequest): Promise<TaskResponse> => {
    if (closed) throw new MarinaError('MAPPING_WORKER_FAILED', 'the jq worker pool is closed');
    await ensureStarted();
    return new Promise((resolve) => {
      queue.push({ request, resolve });
      pump();
    });
  };

  return {
    async run(program, input, expected) {
      const response = await submit({ type: 'run', program, input, expected });
      if (!response.ok) return response;
      return { ok: true, results: (response as { results: unknown[] }).results };
    },
    async check(program) {
      const response = await submit({ type: 'check', program });
      if (!response.ok) {
        throw new MarinaError('MAPPING_WORKER_FAILED', `jq compile check failed: ${response.message}`, { retryable: true });
      }
      return (response as { compileError: string | undefined }).compileError;
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.resolve({ ok: false, reason: 'failed', message: 'the jq worker pool is closed' });
      await Promise.all(slots.splice(0).map((slot) => {
        slot.busy?.resolve({ ok: false, reason: 'failed', message: 'the jq worker pool is closed' });
        clearTimeout(slot.timer);
        return slot.worker.terminate();
      }));
    },
  };
}
