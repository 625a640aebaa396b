import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { PortConnection } from '../config/host-config.js';
import { describeError, isMarinaError } from '../errors.js';
import { createHost } from '../host/host.js';
import { createDefaultImporter, type ImportModule } from '../host/import-module.js';
import { createHttpServer } from '../http/server.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createSecretRedactor } from '../observability/secret-redactor.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { resolveHostConfig } from './resolve-config.js';
import { readVersion } from './version.js';

export const START_USAGE = 'Usage: marina start [--config FILE]';

/**
 * `marina start`: runs the daemon until SIGTERM/SIGINT, then shuts down gracefully.
 * Exit codes: 0 clean stop, 78 invalid configuration, 3 shutdown deadline passed, 1 failure.
 */
export async function runStartCommand(args: string[], io: CliIo, options: { importModule?: ImportModule } = {}): Promise<number> {
  let flags: { config?: string };
  try {
    flags = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true }).values;
  } catch (error) {
    writeLine(io.stderr, `${(error as Error).message}\n${START_USAGE}`);
    return EXIT.USAGE;
  }
  let resolved;
  try {
    resolved = await resolveHostConfig(flags.config, io);
  } catch (error) {
    writeLine(io.stderr, isMarinaError(error) ? error.message : describeError(error));
    return isMarinaError(error) ? EXIT.CONFIG : EXIT.FAILURE;
  }
  const { config } = resolved;
  const redactor = createSecretRedactor();
  const logger = createLogger({ level: config.log.level, redactor });
  io.onUnhandledRejection((reason) => logger.error({ err: reason }, 'unhandled promise rejection (often a plugin background task); the host keeps running'));
  const version = await readVersion(io.packageRoot);
  logger.info({ version, config: config.source }, 'marina starting');
  if (resolved.ignoredOceanSettings.length > 0) {
    logger.warn({ settings: resolved.ignoredOceanSettings }, 'these Ocean settings are not used by Marina');
  }

  let emulator: { url: string; close(): Promise<void> } | undefined;
  let port: PortConnection | undefined = config.port;
  if (port === undefined) {
    try {
      const credentials = { clientId: `marina-local-${randomBytes(6).toString('hex')}`, clientSecret: randomBytes(24).toString('hex') };
      const { startEmulator } = await import('../emulator/index.js');
      emulator = await startEmulator({ dataDir: path.join(config.dataDir, 'emulator'), credentials: [credentials], logger: logger.child({ component: 'emulator' }) });
      port = { baseUrl: emulator.url, ...credentials };
      logger.info({ url: emulator.url }, 'no Port credentials configured: running the embedded local Port');
    } catch (error) {
      logger.error({ err: error }, 'the embedded local Port failed to start; integrations run without Port');
    }
  }

  const metrics = createMetrics();
  const host = createHost({
    config,
    logger,
    redactor,
    metrics,
    env: io.env,
    importModule: options.importModule ?? createDefaultImporter(import.meta.url),
    ...(port ? { port } : {}),
  });
  const server = createHttpServer({ host, metrics, logger, version });
  const finish = async (code: number) => {
    await emulator?.close().catch((error: unknown) => logger.error({ err: error }, 'embedded Port did not close cleanly'));
    await flush(logger);
    return code;
  };

  try {
    // Listen first so liveness answers while plugins load; readiness says 503 until running.
    const address = await server.listen({ host: config.server.host, port: config.server.port });
    logger.info({ url: address }, 'HTTP server listening');
    await host.start();
  } catch (error) {
    await server.close().catch(() => undefined);
    await host.stop({ timeoutMs: config.shutdown.timeoutSeconds * 1000 });
    const configProblem = isMarinaError(error) && error.code.startsWith('CONFIG_');
    logger.fatal({ code: isMarinaError(error) ? error.code : undefined }, redactor.redact(describeError(error)));
    writeLine(io.stderr, redactor.redact(describeError(error)));
    return finish(configProblem ? EXIT.CONFIG : EXIT.FAILURE);
  }
  const counts = countStatuses(host.integrations().map((integration) => integration.status));
  logger.info({ integrations: counts }, 'marina running');

  const signal = await io.shutdownSignal;
  const timeoutMs = config.shutdown.timeoutSeconds * 1000;
  logger.info({ signal, timeoutMs }, 'shutting down');
  // Stop accepting requests first, then stop the integrations (their in-flight work drains).
  const closing = server.close();
  const { clean } = await host.stop({ timeoutMs });
  await closing;
  logger.info({ clean }, clean ? 'shutdown complete' : 'shutdown deadline passed; some work was cut short');
  return finish(clean ? EXIT.OK : EXIT.SHUTDOWN_TIMEOUT);
}

function countStatuses(statuses: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
