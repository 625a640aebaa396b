import { parentPort, workerData } from 'node:worker_threads';
import { loadJq, type Jq, type JqLoadOptions } from 'jq-wasm';
import { WORKER_READY, type WorkerRequest, type WorkerResponse } from './jq-protocol.js';

/**
 * One jq-wasm handle on its own thread. Requests: run a page program over a JSON array text, or
 * check that a program compiles. A handle that aborts (jq-wasm's 256 MiB heap cap) is dead for
 * good, so it is replaced before the next request and the caller is told to split the chunk.
 */

const { wasmModule } = workerData as { wasmModule?: JqLoadOptions['wasmModule'] };
let handle: Promise<Jq> = loadJq(wasmModule ? { wasmModule } : {});
void handle.then(() => parentPort!.postMessage(WORKER_READY));

async function serve(request: WorkerRequest): Promise<WorkerResponse> {
  const jq = await handle;
  try {
    if (request.type === 'check') {
      const result = jq.raw(null, request.program, ['-n']);
      const compileError = result.exitCode === 0 ? undefined : result.stderr.trim() || `jq exited with ${result.exitCode}`;
      return { id: request.id, ok: true, compileError };
    }
    const result = jq.raw(request.input, request.program, ['-c']);
    if (result.exitCode !== 0) {
      return { id: request.id, ok: false, reason: 'failed', message: result.stderr.trim().split('\n')[0] ?? `jq exited with ${result.exitCode}` };
    }
    const text = result.stdout.trim();
    const results = text === '' ? [] : (JSON.parse(`[${text.split('\n').join(',')}]`) as unknown[]);
    if (results.length !== request.expected) {
      return { id: request.id, ok: false, reason: 'failed', message: `jq gave ${results.length} results for ${request.expected} records` };
    }
    return { id: request.id, ok: true, results };
  } catch (error) {
    // An abort leaves the wasm instance unusable: start a fresh one for the next request.
    handle = loadJq(wasmModule ? { wasmModule } : {});
    return { id: request.id, ok: false, reason: 'aborted', message: error instanceof Error ? error.message : String(error) };
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  void serve(request).then((response) => parentPort!.postMessage(response));
});
