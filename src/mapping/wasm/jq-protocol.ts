/** Messages between the jq pool (main thread) and its workers. Kept apart so the pool can import them without running the worker. */

export type WorkerRequest =
  | { id: number; type: 'run'; program: string; input: string; expected: number }
  | { id: number; type: 'check'; program: string };

export type WorkerResponse =
  | { id: number; ok: true; results: unknown[] }
  | { id: number; ok: true; compileError: string | undefined }
  | { id: number; ok: false; reason: 'aborted' | 'failed'; message: string };

/** Posted once the worker's first jq-wasm handle is ready: the pool times calls from then on, not from the thread's boot. */
export const WORKER_READY = 'ready';
