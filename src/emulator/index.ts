import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { lockDataDir, type StaleLock } from '../data-dir-lock.js';
import { MarinaError } from '../errors.js';
import type { EmulatorContext } from './context.js';
import { createFaultInjector, createRandom, validateFaultRules, type FaultRule } from './fault-injector.js';
import { createMemoryPersistence, openPersistence, type Persistence } from './persistence.js';
import { entityJson, type PortEntity } from './projection.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRequestLog, type LoggedRequest } from './request-log.js';
import { createServer } from './server.js';
import { countEntities, recordKey } from './state.js';
import { createTokenIssuer } from './tokens.js';
import type { Blueprint } from './types.js';

export type { FaultRule } from './fault-injector.js';
export type { LoggedRequest } from './request-log.js';
export type { Blueprint, StoredEntity } from './types.js';
export type { EntityJson, PortEntity } from './projection.js';

/**
 * A local Port: the embedded default when no Port credentials are configured, the standalone
 * `marina emulator`, and the Port of every test and benchmark. See README.md in this folder.
 */
export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Persistence directory; omitted keeps the state in memory only. Locked while the emulator runs (one process per directory). */
  dataDir?: string;
  /** What runs the emulator, recorded in `dataDir`'s lock for whoever finds it taken. @default 'marina emulator' */
  lockCommand?: string;
  /** Told when the lock of a process that is gone was taken over. @default a warning through `logger` */
  onStaleLock?: (stale: StaleLock) => void;
  /** Accepted client id/secret pairs; omitted accepts any pair (a local Port for development). */
  credentials?: { clientId: string; clientSecret: string }[];
  /** Default 10800 (3 h), as Port. */
  tokenTtlSeconds?: number;
  /** false (default) = off; `scale` multiplies Port's published limits (e.g. 0.01). */
  rateLimits?: false | { scale: number; periodSeconds?: number };
  /** Initial fault rules. */
  faults?: FaultRule[];
  organizationId?: string;
  logger?: Logger;
  /** Seeds fault injection's random choices, to reproduce a run. */
  seed?: number;
  /** Credentials `GET /v1/kafka-credentials` returns; default generated per start. */
  kafkaCredentials?: { username: string; password: string };
  /** Journal size that triggers compaction into a snapshot. Default 64 MiB. */
  compactAtBytes?: number;
}

export interface EmulatorCounts {
  blueprints: number;
  entities: number;
  entitiesByBlueprint: Record<string, number>;
  integrations: number;
}

export interface Emulator {
  /** e.g. 'http://127.0.0.1:41234' (the API is under `${url}/v1/...`). */
  url: string;
  /** Replaces the fault rules at run time (also `PUT /_emulator/faults`). */
  setFaults(rules: FaultRule[]): void;
  close(): Promise<void>;
  /** In-process inspection. */
  blueprints(): Blueprint[];
  /** Entities as Port returns them, plus the recorded `datasource`. */
  entities(blueprint?: string): (PortEntity & { datasource: string })[];
  entity(blueprint: string, identifier: string): (PortEntity & { datasource: string }) | undefined;
  counts(): EmulatorCounts;
  /** Recent `/v1` requests, newest first. */
  requests(limit?: number): LoggedRequest[];
  clearRequests(): void;
  /** Expires every issued token now. */
  expireTokens(): void;
  /** Ingested records of an integration: 'logs', 'metrics', 'heartbeat'. */
  records(integration: string, channel: string): unknown[];
  /** Snapshot the journal now (persistent mode). */
  compact(): void;
}

function checkOptions(options: EmulatorOptions): void {
  const fail = (field: string, problem: string) => {
    throw new MarinaError('EMULATOR_OPTIONS_INVALID', `emulator option ${field} ${problem}`, { details: { field } });
  };
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) fail('port', 'must be an integer from 0 to 65535');
  if (options.tokenTtlSeconds !== undefined && !(options.tokenTtlSeconds > 0)) fail('tokenTtlSeconds', 'must be a positive number');
  if (options.rateLimits !== undefined && options.rateLimits !== false && !(options.rateLimits.scale > 0)) fail('rateLimits.scale', 'must be a positive number');
  if (options.credentials !== undefined) {
    options.credentials.forEach((pair, i) => {
      if (typeof pair.clientId !== 'string' || pair.clientId === '' || typeof pair.clientSecret !== 'string' || pair.clientSecret === '') {
        fail(`credentials[${i}]`, 'needs a non-empty clientId and clientSecret');
      }
    });
  }
  try {
    validateFaultRules(options.faults ?? []);
  } catch (error) {
    fail('faults', (error as Error).message);
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  checkOptions(options);
  const organizationId = options.organizationId ?? 'org_marina_local';
  const lock =
    options.dataDir === undefined
      ? undefined
      : await lockDataDir(options.dataDir, {
          command: options.lockCommand ?? 'marina emulator',
          onStaleLock:
            options.onStaleLock ??
            ((stale) => options.logger?.warn({ lockFile: stale.file, previousOwner: stale.owner, reason: stale.reason }, 'took over the stale lock of the emulator data directory')),
        });
  let persistence: Persistence;
  try {
    persistence =
      options.dataDir === undefined
        ? createMemoryPersistence()
        : openPersistence(options.dataDir, {
            ...(options.compactAtBytes === undefined ? {} : { compactAtBytes: options.compactAtBytes }),
            onWarning: (message, details) => options.logger?.warn(details, message),
          });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const faults = createFaultInjector(options.faults ?? [], options.seed === undefined ? Math.random : createRandom(options.seed));
  const requestLog = createRequestLog();
  const tokens = createTokenIssuer({ credentials: options.credentials, ttlSeconds: options.tokenTtlSeconds ?? 10_800, organizationId });
  let baseUrl = '';
  const ctx: EmulatorContext = {
    persistence,
    tokens,
    faults,
    limiter: options.rateLimits ? createRateLimiter(options.rateLimits) : undefined,
    requestLog,
    organizationId,
    kafkaCredentials: options.kafkaCredentials ?? { username: `${organizationId}-kafka`, password: randomBytes(12).toString('hex') },
    logger: options.logger,
    baseUrl: () => baseUrl,
    now: () => new Date(),
    actorOf: () => 'unknown',
  };
  const app = createServer(ctx);
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    persistence.close();
    lock?.release();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger?.info({ url: baseUrl, dataDir: options.dataDir ?? null }, 'Port emulator listening');

  const withSource = (entity: Parameters<typeof entityJson>[0]) => ({ ...entityJson(entity), datasource: entity.datasource });
  let closed = false;
  return {
    url: baseUrl,
    setFaults: (rules) => faults.setRules(rules),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      persistence.close();
      lock?.release();
    },
    blueprints: () => [...persistence.state.blueprints.values()],
    entities(blueprint) {
      const maps = blueprint === undefined ? [...persistence.state.entities.values()] : [persistence.state.entities.get(blueprint) ?? new Map()];
      return maps.flatMap((map) => [...map.values()].map(withSource));
    },
    entity(blueprint, identifier) {
      const found = persistence.state.entities.get(blueprint)?.get(identifier);
      return found === undefined ? undefined : withSource(found);
    },
    counts() {
      const entitiesByBlueprint: Record<string, number> = {};
      for (const [bp, map] of persistence.state.entities) entitiesByBlueprint[bp] = map.size;
      return {
        blueprints: persistence.state.blueprints.size,
        entities: countEntities(persistence.state),
        entitiesByBlueprint,
        integrations: persistence.state.integrations.size,
      };
    },
    requests: (limit) => requestLog.recent(limit),
    clearRequests: () => requestLog.clear(),
    expireTokens: () => tokens.expireAll(),
    records: (integration, channel) => persistence.state.records.get(recordKey(channel, integration)) ?? [],
    compact: () => persistence.compact(),
  };
}
