import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { startEmulator, type EmulatorOptions } from '../emulator/index.js';
import { startFailureExitCode } from './exit-codes.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: marina emulator [--port N] [--host H] [--data DIR]
                       [--client-id X --client-secret Y] [--rate-limit-scale S]

Runs a local Port API (the emulator) until SIGINT or SIGTERM.
  --port N               port to listen on (default 0: any free port)
  --host H               address to bind (default 127.0.0.1)
  --data DIR             keep the state in DIR across restarts (default: memory only);
                         one process per DIR: exits 75 when another one holds it
  --client-id X          accept only this client id ...
  --client-secret Y      ... with this secret (default: accept any pair)
  --rate-limit-scale S   enforce Port's rate limits multiplied by S (default: off)
Inspection and fault injection: <url>/_emulator/... (see src/emulator/README.md).
`;

function fail(io: CommandIo, message: string): number {
  io.stderr.write(`marina emulator: ${message}\n\n${USAGE}`);
  return 2;
}

/** `marina emulator`: starts the emulator, prints its URL, and resolves with the exit code on SIGINT/SIGTERM. */
export async function runEmulatorCommand(args: string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'rate-limit-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(io, (error as Error).message);
  }
  if (values['help'] === true) {
    io.stdout.write(USAGE);
    return 0;
  }

  const options: EmulatorOptions = {};
  if (values['port'] !== undefined) {
    const port = Number(values['port']);
    if (!/^\d+$/.test(String(values['port'])) || port > 65535) return fail(io, `--port must be an integer from 0 to 65535, got "${String(values['port'])}"`);
    options.port = port;
  }
  if (typeof values['host'] === 'string') options.host = values['host'];
  if (typeof values['data'] === 'string') {
    options.dataDir = values['data'];
    options.onStaleLock = (stale) => io.stdout.write(`took over the stale lock ${stale.file} (${stale.reason})\n`);
  }
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  if ((clientId === undefined) !== (clientSecret === undefined)) return fail(io, '--client-id and --client-secret go together');
  if (typeof clientId === 'string' && typeof clientSecret === 'string') options.credentials = [{ clientId, clientSecret }];
  if (values['rate-limit-scale'] !== undefined) {
    const scale = Number(values['rate-limit-scale']);
    if (!(scale > 0) || !Number.isFinite(scale)) return fail(io, `--rate-limit-scale must be a positive number, got "${String(values['rate-limit-scale'])}"`);
    options.rateLimits = { scale };
  }

  let emulator;
  try {
    emulator = await startEmulator(options);
  } catch (error) {
    io.stderr.write(`marina emulator: cannot start: ${describeError(error)}\n`);
    return startFailureExitCode(error);
  }
  io.stdout.write(`Port emulator listening on ${emulator.url}\n`);
  io.stdout.write(`  API: ${emulator.url}/v1   inspection: ${emulator.url}/_emulator/state\n`);
  if (options.dataDir !== undefined) io.stdout.write(`  data: ${options.dataDir}\n`);

  const running = emulator;
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stdout.write(`received ${signal}, stopping the emulator\n`);
      running.close().then(
        () => resolve(0),
        (error: unknown) => {
          io.stderr.write(`marina emulator: stopping failed: ${describeError(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
