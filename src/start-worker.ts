import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** tsx's ESM API (`tsx/esm/api`) as a file URL, resolved from this module. */
function tsxApiUrl(): string {
  const resolved = createRequire(import.meta.url).resolve('tsx/esm/api');
  // require() resolves the CommonJS build; the ESM one sits beside it.
  const esm = resolved.replace(/\.cjs$/, '.mjs');
  return pathToFileURL(existsSync(esm) ? esm : resolved).href;
}

/**
 * Starts a worker thread on a module of this code base, given as the URL of its `.js` file
 * beside the caller: the compiled build when there is one, else the TypeScript source through
 * tsx's loader (jest, `MARINA_FROM_SOURCE=1`).
 */
export function startModuleWorker(js: URL, options: WorkerOptions = {}): Worker {
  if (existsSync(fileURLToPath(js))) return new Worker(js, options);
  const ts = js.href.replace(/\.js$/, '.ts');
  // An eval'd worker resolves bare specifiers from the process's cwd, which need not be this
  // checkout (`bin/marina sail` run from elsewhere): import tsx by its absolute URL instead.
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
