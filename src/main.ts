/**
 * The process entry point and the only module that touches `process`: it turns argv, env,
 * streams and signals into plain arguments for the CLI, and the CLI's result into an exit code.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as util from 'node:util';
import { runCli } from './cli/run-cli.js';
import { EXIT } from './cli/exit-codes.js';
import { isMarinaError } from './errors.js';
import { applyHeapSettings } from './heap-settings.js';

// dist/main.js and src/main.ts both sit one level below the package root.
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const shutdownSignal = new Promise<string>((resolve) => {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      // A second signal means "now": the operator gave up waiting for the graceful stop.
      process.stderr.write(`received ${signal} again: exiting immediately\n`);
      process.exit(EXIT.FORCED);
    }
    received = true;
    resolve(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
});

process.on('uncaughtException', (error) => {
  process.stderr.write(`marina: uncaught exception: ${error.stack ?? String(error)}\n`);
  process.exit(EXIT.FAILURE);
});
let unhandledRejection: ((reason: unknown) => void) | undefined;
process.on('unhandledRejection', (reason) => {
  if (unhandledRejection) return unhandledRejection(reason);
  process.stderr.write(`marina: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
  process.exit(EXIT.FAILURE);
});

/**
 * Like Ocean, read `./.env` when there is one; variables already in the environment win. The
 * result is passed down as a plain object: process.env itself is left untouched.
 */
function environment(): Record<string, string | undefined> {
  const file = path.join(process.cwd(), '.env');
  const parseEnv = (util as { parseEnv?: (text: string) => Record<string, string> }).parseEnv;
  if (!existsSync(file) || parseEnv === undefined) return process.env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...process.env };
}

const env = environment();
try {
  // Before any work: V8 reads the flag at its next full GC, in this thread and the mapping workers.
  applyHeapSettings({ env, execArgv: process.execArgv });
} catch (error) {
  if (!isMarinaError(error, 'CONFIG_INVALID')) throw error;
  // `validate` reports it among every other problem (its config stage checks it too); other
  // commands refuse to run with it.
  if (process.argv[2] !== 'validate') {
    process.stderr.write(`marina: ${error.message}\n`);
    process.exit(EXIT.CONFIG);
  }
}

const code = await runCli(process.argv.slice(2), {
  env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  packageRoot,
  shutdownSignal,
  onUnhandledRejection: (handler) => {
    unhandledRejection = handler;
  },
  onReloadSignal: (handler) => {
    process.on('SIGHUP', handler);
  },
});
// Exit explicitly: a plugin may leave timers or sockets open, and `start` has already drained
// and closed everything it owns by now.
process.stdout.write('', () => process.exit(code));
