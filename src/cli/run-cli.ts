import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { readVersion } from './version.js';

export const USAGE = `Usage: marina <command> [options]

Commands:
  start [--config FILE] [--shard I/N]
                              run the daemon (default config: config/marina.yaml, or OCEAN__* env);
                              with --shard (or MARINA_SHARD), only shard I of N's integrations
  sail [--integration ID] --once
                              one resync of each (or the named) integration, then exit 0 if all completed
  validate [--config FILE]    check a host config, its plugins and mappings; list every problem
  list [--config FILE]        list the plugins found, their kinds and the integrations using them
  new NAME [--dir DIR]        scaffold a plugin folder (Ocean layout) that validates as is
  map --mapping FILE [...]    dry-run a mapping over raw records (NDJSON out)
  emulator [--port N] [...]   run the local Port-compatible API
  version                     print Marina's version
  help                        print this text

Exit codes: 0 ok, 1 failure, 2 bad usage, 3 shutdown deadline passed, 75 data directory in use,
78 invalid configuration.`;

/**
 * The `marina` command line. Each command module is imported only when used, so a slow or
 * broken module never slows `validate` (or anything else).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'start':
      return (await import('./start-command.js')).runStartCommand(args, io);
    case 'sail':
      return (await import('./sail-command.js')).runSailCommand(args, io);
    case 'validate':
      return (await import('./validate-command.js')).runValidateCommand(args, io);
    case 'list':
      return (await import('./list-command.js')).runListCommand(args, io);
    case 'new':
      return (await import('./new-command.js')).runNewCommand(args, io);
    case 'map': {
      const mapCommand = await importCommand<{ runMapCommand(args: string[], io: Pick<CliIo, 'stdin' | 'stdout' | 'stderr'>): Promise<number> }>('map-command', io);
      return mapCommand ? mapCommand.runMapCommand(args, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr }) : EXIT.FAILURE;
    }
    case 'emulator':
      return (await import('./emulator-command.js')).runEmulatorCommand(args, { stdout: io.stdout, stderr: io.stderr });
    case 'version':
    case '--version':
    case '-v':
      writeLine(io.stdout, await readVersion(io.packageRoot));
      return EXIT.OK;
    case 'help':
    case '--help':
    case '-h':
      writeLine(io.stdout, USAGE);
      return EXIT.OK;
    case undefined:
      writeLine(io.stderr, USAGE);
      return EXIT.USAGE;
    default:
      writeLine(io.stderr, `Unknown command "${command}".\n\n${USAGE}`);
      return EXIT.USAGE;
  }
}

/** Imports a command module by name; reports (instead of crashing) when this build lacks it. */
async function importCommand<T>(name: string, io: CliIo): Promise<T | undefined> {
  try {
    return (await import(`./${name}.js`)) as T;
  } catch (error) {
    writeLine(io.stderr, `The "${name.replace(/-command$/, '')}" command cannot load: ${(error as Error).message}`);
    return undefined;
  }
}
