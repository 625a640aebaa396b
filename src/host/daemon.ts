import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { HostConfig, PortConnection } from '../config/host-config.js';
import { lockDataDir, type DataDirLock, type StaleLock } from '../data-dir-lock.js';
import { describeError, isMarinaError, MarinaError } from '../errors.js';
import { createHttpServer } from '../http/server.js';
import { createLogger, resolveLogFormat, type Logger } from '../observability/logger.js';
import { createMetrics, type HostMetrics } from '../observability/metrics.js';
import { createSecretRedactor, type SecretRedactor } from '../observability/secret-redactor.js';
import { createHost, type Host, type HostResyncOptions } from './host.js';
import { createDefaultImporter, type ImportModule } from './import-module.js';

export interface DaemonOptions {
  config: HostConfig;
  env: Readonly<Record<string, string | undefined>>;
  /** Marina's version, for logs and the health routes. */
  version: string;
  importModule?: ImportModule;
  /** Where log lines go; stdout when omitted. */
  logDestination?: { write(line: string): unknown };
  /**
   * Whether the log destination (stdout) is a terminal: `log.format: auto` then writes
   * human-readable lines, with colours. @default false
   */
  stdoutIsTty?: boolean;
  /** Ocean variables that are set but unused, reported as one warning. */
  ignoredOceanSettings?: string[];
  /** Skip the HTTP server (one-shot commands). @default true */
  http?: boolean;
  /** Pass one to mask secrets in what the caller prints too (e.g. a startup error on stderr). */
  redactor?: SecretRedactor;
  /** Resync settings (cap, page timeout, a listener override for `marina sail`). */
  resync?: HostResyncOptions;
  /** What runs the daemon, recorded in the data directory's lock for whoever finds it taken. @default 'marina start' */
  command?: string;
}

/** A running Marina: host, HTTP server, logger, metrics, and the embedded Port if any. */
export interface Daemon {
  host: Host;
  logger: Logger;
  metrics: HostMetrics;
  redactor: SecretRedactor;
  /** The HTTP server (listening), unless `http: false`. */
  server?: FastifyInstance;
  /** Base URL of the HTTP server, unless `http: false`. */
  url?: string;
  /** The Port the integrations use: the configured one or the embedded emulator. */
  port?: PortConnection;
  /**
   * Graceful stop: the server stops accepting requests, the host drains and closes every
   * integration within `shutdown.timeoutSeconds`, the embedded Port closes, logs are flushed.
   */
  stop(): Promise<{ clean: boolean }>;
}

/**
 * Boots Marina from a host config: logger with redaction, metrics, the embedded local Port when
 * no Port credentials are configured, the host with its plugins, and the HTTP server (listening
 * before plugins load, so liveness answers during a slow start). On failure everything started
 * is stopped again and the error is rethrown: a `MarinaError` with a `CONFIG_*` code means the
 * operator must fix the configuration.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config } = options;
  const redactor = options.redactor ?? createSecretRedactor();
  const logger = createLogger({
    level: config.log.level,
    redactor,
    format: resolveLogFormat(config.log.format, options.stdoutIsTty === true),
    // Colours only for a terminal: `log.format: pretty` into a file stays plain text.
    colorize: options.stdoutIsTty === true,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  logger.info({ version: options.version, config: config.source }, 'marina starting');
  if (options.ignoredOceanSettings?.length) logger.warn({ settings: options.ignoredOceanSettings }, 'these Ocean settings are not used by Marina');
  const command = options.command ?? 'marina start';
  let lock: DataDirLock;
  try {
    // Before anything writes to the data directory: its journals must have one writer.
    lock = await lockDataDir(config.dataDir, { command, onStaleLock: (stale) => logStaleLock(logger, stale) });
  } catch (error) {
    logger.fatal({ code: (error as { code?: unknown }).code, dataDir: config.dataDir }, describeError(error));
    throw error;
  }

  let emulator: { url: string; close(): Promise<void> } | undefined;
  let port: PortConnection | undefined = config.port;
  if (port === undefined) {
    try {
      const credentials = { clientId: `marina-local-${randomBytes(6).toString('hex')}`, clientSecret: randomBytes(24).toString('hex') };
      // Imported only when needed: a host talking to the real Port never loads the emulator.
      const { startEmulator } = await import('../emulator/index.js');
      emulator = await startEmulator({
        dataDir: path.join(config.dataDir, 'emulator'),
        lockCommand: `${command} (embedded Port)`,
        credentials: [credentials],
        logger: logger.child({ component: 'emulator' }),
      });
      port = { baseUrl: emulator.url, ...credentials };
      logger.info({ url: emulator.url }, 'no Port credentials configured: running the embedded local Port');
    } catch (error) {
      if (isMarinaError(error, 'DATA_DIR_LOCKED')) {
        // A standalone `marina emulator --data` on our embedded Port's folder: do not share it.
        logger.fatal({ code: error.code, dataDir: error.details['dataDir'] }, describeError(error));
        lock.release();
        throw error;
      }
      logger.error({ err: error }, 'the embedded local Port failed to start; integrations run without Port');
    }
  }

  const metrics = createMetrics({ processMetrics: true });
  const host = createHost({
    config,
    logger,
    redactor,
    metrics,
    env: options.env,
    importModule: options.importModule ?? createDefaultImporter(import.meta.url),
    ...(port ? { port } : {}),
    ...(options.resync ? { resync: options.resync } : {}),
  });
  const adminToken = options.env['MARINA_ADMIN_TOKEN'] || undefined;
  redactor.add(adminToken);
  if (options.http !== false && adminToken === undefined) logger.info('MARINA_ADMIN_TOKEN is not set: admin routes that change things accept requests from this machine (loopback) only');
  const server = options.http === false ? undefined : createHttpServer({ host, metrics, logger, version: options.version, ...(adminToken === undefined ? {} : { adminToken }) });
  const closeEmulator = () => emulator?.close().catch((error: unknown) => logger.error({ err: error }, 'embedded Port did not close cleanly'));

  let url: string | undefined;
  try {
    if (server) {
      url = await server.listen({ host: config.server.host, port: config.server.port }).catch((error: NodeJS.ErrnoException) => {
        const reason = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
        throw new MarinaError('HOST_LISTEN_FAILED', `Cannot listen on ${config.server.host}:${config.server.port}: ${reason} (set server.port in ${config.source}, or PORT)`, {
          cause: error,
          details: { host: config.server.host, port: config.server.port },
        });
      });
      logger.info({ url }, 'HTTP server listening');
    }
    await host.start();
  } catch (error) {
    await server?.close().catch(() => undefined);
    await host.stop();
    await closeEmulator();
    lock.release();
    logger.fatal({ code: (error as { code?: unknown }).code }, redactor.redact(describeError(error)));
    throw error;
  }
  const counts: Record<string, number> = {};
  for (const integration of host.integrations()) counts[integration.status] = (counts[integration.status] ?? 0) + 1;
  logger.info({ integrations: counts }, 'marina running');

  return {
    host,
    logger,
    metrics,
    redactor,
    ...(server ? { server } : {}),
    ...(url ? { url } : {}),
    ...(port ? { port } : {}),
    async stop() {
      const timeoutMs = config.shutdown.timeoutSeconds * 1000;
      logger.info({ timeoutMs }, 'shutting down');
      // Stop accepting requests first, then stop the integrations (their in-flight work drains).
      const closing = server?.close();
      const { clean } = await host.stop({ timeoutMs });
      await closing;
      await closeEmulator();
      lock.release();
      logger.info({ clean }, clean ? 'shutdown complete' : 'shutdown deadline passed; some work was cut short');
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      return { clean };
    },
  };
}

/** A crashed process's lock was taken over: worth a warning, since its work may be unfinished. */
function logStaleLock(logger: Logger, stale: StaleLock): void {
  const owner = stale.owner ? { pid: stale.owner.pid, hostname: stale.owner.hostname, command: stale.owner.command, lockedAt: stale.owner.lockedAt } : undefined;
  logger.warn({ lockFile: stale.file, previousOwner: owner, reason: stale.reason }, 'took over the stale lock of the data directory (its process is gone)');
}
