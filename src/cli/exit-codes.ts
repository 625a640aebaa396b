import { isMarinaError } from '../errors.js';

/**
 * Exit codes of `bin/marina`. Stable: scripts and orchestrators act on them.
 * 78 is sysexits' EX_CONFIG, the conventional code for "fix your configuration".
 */
export const EXIT = {
  /** Success; for `start`, a clean shutdown. */
  OK: 0,
  /** Unexpected failure. */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** Shutdown did not finish within `shutdown.timeoutSeconds`; work may have been cut short. */
  SHUTDOWN_TIMEOUT: 3,
  /**
   * Another process holds the data directory (sysexits' EX_TEMPFAIL: it works once that one
   * stops, or with another data directory).
   */
  DATA_DIR_LOCKED: 75,
  /** The host config, a plugin or a mapping it names is invalid. */
  CONFIG: 78,
  /** A second SIGINT/SIGTERM forced an immediate exit (128 + SIGINT). */
  FORCED: 130,
} as const;

/** The exit code for an error that stopped a command from starting its daemon or emulator. */
export function startFailureExitCode(error: unknown): number {
  if (!isMarinaError(error)) return EXIT.FAILURE;
  if (error.code === 'DATA_DIR_LOCKED') return EXIT.DATA_DIR_LOCKED;
  return error.code.startsWith('CONFIG_') ? EXIT.CONFIG : EXIT.FAILURE;
}
