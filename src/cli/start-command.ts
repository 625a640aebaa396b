import { parseArgs } from 'node:util';
import { selectShard } from '../config/shard.js';
import { describeError, isMarinaError } from '../errors.js';
import { startDaemon } from '../host/daemon.js';
import { commandDrivenListener } from '../host/integration-resync.js';
import type { Logger } from '../observability/logger.js';
import { createSecretRedactor } from '../observability/secret-redactor.js';
import type { ImportModule } from '../host/import-module.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT, startFailureExitCode } from './exit-codes.js';
import { onceBesideOthers, onceModeConfig, onceOnlyIntegrations, runOnceAndStop } from './once-listener-mode.js';
import { resolveHostConfig } from './resolve-config.js';
import { readShardOption } from './shard-option.js';
import { readVersion } from './version.js';

export const START_USAGE = 'Usage: marina start [--config FILE] [--shard INDEX/COUNT]';

/**
 * `marina start`: runs the daemon until SIGTERM/SIGINT, then shuts down gracefully. SIGHUP
 * re-reads the config and adds, removes or restarts the integrations that changed.
 * Exit codes: 0 clean stop, 78 invalid configuration, 3 shutdown deadline passed, 1 failure.
 * When every enabled integration uses the ONCE listener it resyncs each once and exits like
 * `marina sail --once` (see once-listener-mode.ts).
 */
export async function runStartCommand(args: string[], io: CliIo, options: { importModule?: ImportModule } = {}): Promise<number> {
  let flags: { config?: string; shard?: string };
  try {
    flags = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, shard: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    writeLine(io.stderr, `${(error as Error).message}\n${START_USAGE}`);
    return EXIT.USAGE;
  }
  const shard = readShardOption(flags.shard, io.env);
  if (typeof shard === 'string') {
    writeLine(io.stderr, flags.shard === undefined ? shard : `${shard}\n${START_USAGE}`);
    return flags.shard === undefined ? EXIT.CONFIG : EXIT.USAGE;
  }
  // With a shard, this process runs only its share of the config, at start and on SIGHUP.
  const loadConfig = async () => {
    const next = await resolveHostConfig(flags.config, io);
    return shard === undefined ? next : { ...next, config: selectShard(next.config, shard) };
  };
  let resolved;
  try {
    resolved = await loadConfig();
  } catch (error) {
    writeLine(io.stderr, isMarinaError(error) ? error.message : describeError(error));
    return isMarinaError(error) ? EXIT.CONFIG : EXIT.FAILURE;
  }
  const onceOnly = onceOnlyIntegrations(resolved.config);
  const redactor = createSecretRedactor();
  let logger: Logger | undefined = undefined;
  // Registered before plugins load: a plugin's stray promise during setup must not kill the host.
  io.onUnhandledRejection((reason) => {
    if (logger) logger.error({ err: reason }, 'unhandled promise rejection (often a plugin background task); the host keeps running');
    else writeLine(io.stderr, redactor.redact(`unhandled promise rejection: ${describeError(reason)}`));
  });
  let daemon;
  try {
    daemon = await startDaemon({
      config: onceOnly ? onceModeConfig(resolved.config) : resolved.config,
      redactor,
      env: io.env,
      version: await readVersion(io.packageRoot),
      ignoredOceanSettings: resolved.ignoredOceanSettings,
      stdoutIsTty: (io.stdout as { isTTY?: boolean }).isTTY === true,
      // ONCE integrations are resynced by runOnceAndStop, which waits for their runs to end.
      ...(onceOnly ? { resync: { listener: () => commandDrivenListener('ONCE') } } : {}),
      ...(options.importModule ? { importModule: options.importModule } : {}),
    });
  } catch (error) {
    // The daemon logged it; stderr gets the same text for whoever ran the command.
    writeLine(io.stderr, redactor.redact(describeError(error)));
    return startFailureExitCode(error);
  }
  logger = daemon.logger;
  const placement = resolved.config.shard;
  if (placement) {
    logger.info(
      { shard: `${placement.index}/${placement.count}`, integrations: resolved.config.integrations.length, elsewhere: placement.elsewhere.length },
      `running shard ${placement.index} of ${placement.count}: the config's other integrations belong to the other shards`,
    );
  }
  if (onceOnly) {
    io.onReloadSignal(() => daemon.logger.warn('SIGHUP ignored: every integration uses the ONCE listener, the process exits after their resyncs'));
    return runOnceAndStop(daemon, onceOnly.length, io);
  }
  const besideOthers = onceBesideOthers(resolved.config);
  if (besideOthers.length > 0) {
    logger.info({ integrations: besideOthers }, 'these integrations use the ONCE listener beside long-running ones: they resync once at start, and the process keeps running for the others');
  }
  const running = daemon;
  // SIGHUP re-reads the config and applies its integrations; a bad config changes nothing.
  io.onReloadSignal(() => {
    running.logger.info('SIGHUP: reloading the configuration');
    loadConfig()
      .then((next) => running.host.reconfigure(next.config))
      .catch((error: unknown) => running.logger.error({ code: isMarinaError(error) ? error.code : undefined }, `configuration not applied: ${redactor.redact(describeError(error))}`));
  });
  const signal = await io.shutdownSignal;
  logger.info({ signal }, 'signal received');
  const { clean } = await daemon.stop();
  return clean ? EXIT.OK : EXIT.SHUTDOWN_TIMEOUT;
}
