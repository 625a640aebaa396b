import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './host-test-support.js';

export interface Daemon {
  child: ChildProcess;
  url: string;
  /** Everything written to stdout (pino JSON lines) and stderr so far. */
  output(): string;
  logLines(): Record<string, any>[];
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  get(route: string): Promise<any>;
  /** Polls `route` until `predicate` holds for its JSON body. */
  waitFor(route: string, predicate: (body: any) => boolean, what: string): Promise<any>;
  /** Waits until the output contains `text` (log lines are written asynchronously). */
  waitForOutput(text: string): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Spawns the real daemon (`bin/marina start --config FILE`, or with `null` Ocean's environment
 * variables) from source, waits until it serves
 * HTTP, and learns its ephemeral port from its "HTTP server listening" log line.
 */
export async function startDaemon(
  configFile: string | null,
  options: { env?: Record<string, string>; args?: string[]; cwd?: string; listenTimeoutMs?: number } = {},
): Promise<Daemon> {
  // Without a config file the daemon reads Ocean's environment variables (and ./.env in `cwd`).
  const configArgs = configFile === null ? [] : ['--config', configFile];
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'marina'), 'start', ...configArgs, ...(options.args ?? [])], {
    cwd: options.cwd ?? (configFile === null ? repoRoot : path.dirname(configFile)),
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', MARINA_FROM_SOURCE: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const logLines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start listening:\n${output}`)), options.listenTimeoutMs ?? 20_000);
    const check = () => {
      const line = logLines().find((entry) => entry['msg'] === 'HTTP server listening');
      if (line) {
        clearTimeout(timer);
        resolve(line['url'] as string);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before listening:\n${output}`));
    });
  });
  const get = async (route: string) => (await fetch(`${url}${route}`)).json();
  return {
    child,
    url,
    output: () => output,
    logLines,
    exited,
    get,
    async waitFor(route, predicate, what) {
      const deadline = Date.now() + 15_000;
      let last: unknown;
      while (Date.now() < deadline) {
        last = await get(route).catch((error: unknown) => String(error));
        if (predicate(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for ${what}; last ${route}: ${JSON.stringify(last)}\n--- daemon output ---\n${output}`);
    },
    async waitForOutput(text) {
      const deadline = Date.now() + 15_000;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for output ${JSON.stringify(text)}\n--- daemon output ---\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
