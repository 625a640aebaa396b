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
  /** The host config, a plugin or a mapping it names is invalid. */
  CONFIG: 78,
  /** A second SIGINT/SIGTERM forced an immediate exit (128 + SIGINT). */
  FORCED: 130,
} as const;
