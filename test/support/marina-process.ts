import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `bin/marina` of this checkout. */
export const MARINA_BIN = path.join(repoRoot, 'bin', 'marina');

export interface MarinaProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** The process's pino lines (stdout lines that are JSON). */
  logLines(): Record<string, any>[];
  /** The exit code, or the signal's name. */
  exited: Promise<number | string>;
  /** Waits (bounded) until stdout or stderr contains `text` or matches it. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code; if the process has not exited after `timeoutMs`, kills it and rejects. */
  exit(timeoutMs: number): Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Spawns the real `bin/marina` from source with a minimal environment (PATH, HOME, the given
 * variables): what an operator's shell runs.
 */
export function spawnMarina(args: string[], options: { cwd: string; env?: Record<string, string> }): MarinaProcess {
  const child = spawn(process.execPath, [MARINA_BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', MARINA_FROM_SOURCE: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const running = () => child.exitCode === null && child.signalCode === null;
  const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    logLines: () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>),
    exited,
    async waitForOutput(text, timeoutMs = 30_000) {
      const seen = () => (typeof text === 'string' ? stdout.includes(text) || stderr.includes(text) : text.test(stdout) || text.test(stderr));
      await eventually(seen, `output ${String(text)}`, timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}\n${output()}`);
      });
    },
    async exit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          const message = `bin/marina ${args.join(' ')} did not exit within ${timeoutMs} ms\n${output()}`;
          if (running()) child.kill('SIGKILL');
          reject(new Error(message));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}
