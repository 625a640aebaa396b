import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MarinaError } from '../errors.js';
import { ajvErrorsToProblems, createAjv } from './ajv.js';
import { interpolateEnv, type MissingVariable } from './env-interpolation.js';
import { DEFAULT_PORT_BASE_URL, EVENT_LISTENER_TYPES, hostConfigSchema, type LOG_FORMATS, type LOG_LEVELS } from './host-config-schema.js';
import { oceanEnvName } from './ocean-env-names.js';
import { applyEnvironment } from './env-overrides.js';
import { formatPath, formatProblems, type Problem } from './problems.js';
import type { ShardPlacement } from './shard.js';
import { salvageHostConfig } from './salvage.js';
import { parseSourceDocument, type SourceDocument } from './yaml-document.js';

export type EventListenerType = (typeof EVENT_LISTENER_TYPES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: human-readable on a terminal, JSON elsewhere. */
export type LogFormatSetting = (typeof LOG_FORMATS)[number];

export interface EventListenerConfig {
  type: EventListenerType;
  resyncOnStart?: boolean;
  interval?: number;
  brokers?: string;
  securityProtocol?: string;
  authenticationMechanism?: string;
  kafkaSecurityEnabled?: boolean;
  consumerPollTimeout?: number;
  appHost?: string;
}

/** Where an integration's mapping (port-app-config) comes from. */
export type MappingSource = { source: 'port' } | { source: 'file'; file: string };

export interface IntegrationConfig {
  identifier: string;
  /** The plugin type: the name of a folder in one of the plugin directories. */
  type: string;
  enabled: boolean;
  /** The plugin's config, not yet checked against the plugin's schema (the host does that). */
  config: Record<string, unknown>;
  eventListener: EventListenerConfig;
  /** Minutes between scheduled resyncs, or null for none. */
  scheduledResyncInterval: number | null;
  initializePortResources: boolean;
  /** Whether mappings may read `env` / `$ENV` (Ocean's `allow_environment_variables_jq_access`). */
  allowEnvironmentVariablesJqAccess: boolean;
  /** A `file` mapping path is absolute. */
  mapping: MappingSource;
  /** The shard that runs it under `--shard i/N` (else a hash of the identifier decides). */
  shard?: number;
  /** Where this integration is declared, for messages (see {@link originPath}). */
  origin: { file: string; path: (string | number)[]; style: 'yaml' | 'ocean-env' };
}

export interface PortConnection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** `port.embedded`: the local Port Marina runs when no Port organization is configured. */
export interface EmbeddedPortSettings {
  /** Interface it listens on. @default 127.0.0.1 */
  host: string;
  /** Its TCP port; 0 picks a free one, different at every start. @default 0 */
  port: number;
  /** Fixed credentials for its `/v1` API (both or neither); a random pair at every start without. */
  clientId?: string;
  clientSecret?: string;
}

/** The `port` section: a Port organization, or how to run the embedded local Port. */
export type PortSettings = PortConnection | { embedded: EmbeddedPortSettings };

const DEFAULT_EMBEDDED_PORT: EmbeddedPortSettings = { host: '127.0.0.1', port: 0 };

/** The embedded Port's settings when the config asks for the embedded Port (or names no Port), else undefined. */
export function embeddedPortSettings(config: Pick<HostConfig, 'port'>): EmbeddedPortSettings | undefined {
  if (config.port === undefined) return { ...DEFAULT_EMBEDDED_PORT };
  return 'embedded' in config.port ? config.port.embedded : undefined;
}

/** The Port organization the config names, when it names one (not the embedded Port). */
export function portConnection(config: Pick<HostConfig, 'port'>): PortConnection | undefined {
  return config.port !== undefined && !('embedded' in config.port) ? config.port : undefined;
}

export interface HostConfig {
  /** The config file, or a description of where the config came from. */
  source: string;
  /** `publicUrl` (no trailing slash): the server's address as third parties reach it, when configured. */
  server: { host: string; port: number; publicUrl?: string };
  log: { level: LogLevel; format: LogFormatSetting };
  /** Absent or `{ embedded }`: the host runs the embedded local Port (the emulator). */
  port?: PortSettings;
  plugins: { directories: string[]; watch: boolean; debounceMs: number; setupTimeoutSeconds: number };
  /** Absolute path of the host's state directory. */
  dataDir: string;
  shutdown: { timeoutSeconds: number };
  /** Resyncs across all integrations (environment variables `MARINA_MAX_CONCURRENT_RESYNCS` and `MARINA_RESYNC_PAGE_TIMEOUT_SECONDS` override). */
  resync: { maxConcurrent: number; pageTimeoutSeconds: number; progressLogSeconds: number };
  /** Live events (`MARINA_LIVE_CONCURRENCY`, `MARINA_WEBHOOK_DEDUPE_MINUTES`, `MARINA_WEBHOOK_BODY_LIMIT_BYTES` override). */
  live: { concurrency: number; dedupeMinutes: number; bodyLimitBytes: number };
  integrations: IntegrationConfig[];
  /** Set when this process runs one shard of the config (`--shard i/N`); see ./shard.ts. */
  shard?: ShardPlacement;
  /** The parsed file, so later checks (plugin configs) can point at lines. */
  document?: SourceDocument;
}

/** Where relative paths and defaults resolve. */
export interface HostConfigDefaults {
  /** Plugin directories used when the config names none (absolute). */
  pluginDirectories: string[];
  /** Used when the config has no `dataDir` (absolute). */
  dataDir: string;
}

const validateHostConfig = createAjv({ coerceTypes: true }).compile(hostConfigSchema);

/** A host config as far as it could be read, and every problem found in it. */
export interface HostConfigInspection {
  /**
   * The config, unless the file could not be read or parsed. When there are problems it is what
   * remains usable (refused values dropped, their defaults applied; see salvage.ts), for the
   * checks that come after the config (plugins, mappings).
   */
  config?: HostConfig;
  problems: Problem[];
  /** What {@link loadHostConfig} throws for these problems; undefined when there are none. */
  error?: MarinaError;
}

/**
 * Reads, interpolates and validates a host config file. Relative paths in it resolve from the
 * file's directory; the `MARINA_*` overrides in `env` apply (see env-overrides.ts). Throws a
 * `MarinaError` listing every problem (`CONFIG_NOT_FOUND`, `CONFIG_PARSE_FAILED`,
 * `CONFIG_MISSING_ENV` or `CONFIG_INVALID`); `details.problems` has them as data.
 */
export async function loadHostConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  defaults: HostConfigDefaults,
): Promise<HostConfig> {
  return accepted(await inspectHostConfigFile(file, env, defaults));
}

export function parseHostConfig(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  defaults: HostConfigDefaults,
): HostConfig {
  return accepted(inspectHostConfig(text, file, env, defaults));
}

function accepted(inspection: HostConfigInspection): HostConfig {
  if (inspection.error) throw inspection.error;
  return inspection.config!;
}

/** Like {@link loadHostConfig}, but returns every problem with what is usable instead of throwing. */
export async function inspectHostConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  defaults: HostConfigDefaults,
): Promise<HostConfigInspection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    const message = `Cannot read host config ${file}: ${reason}`;
    return { problems: [{ file, path: '', message }], error: new MarinaError('CONFIG_NOT_FOUND', message, { details: { file } }) };
  }
  return inspectHostConfig(text, file, env, defaults);
}

/** Like {@link parseHostConfig}, but returns every problem with what is usable instead of throwing. */
export function inspectHostConfig(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  defaults: HostConfigDefaults,
): HostConfigInspection {
  const parsed = parseSourceDocument(text, file);
  if (!parsed.ok) return { problems: parsed.problems, error: problemsError('CONFIG_PARSE_FAILED', file, parsed.problems) };
  const { document } = parsed;
  const missing: MissingVariable[] = [];
  const raw = interpolateEnv(document.value ?? {}, env, missing);
  const problems: Problem[] = missing.map(({ name, path: at }) => ({
    file,
    path: formatPath(at),
    message: `environment variable ${name} is not set (use \${${name}:-default} for a default)`,
    ...document.locate(at),
  }));
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const root = [{ file, path: '', message: 'must be a mapping (YAML object) with keys such as server, port, integrations' }];
    return { problems: root, error: problemsError('CONFIG_INVALID', file, root) };
  }
  const valid = validateHostConfig(raw);
  if (!valid) {
    // A value emptied by a missing variable is already reported; its schema error would be noise.
    const unset = new Set(problems.map((problem) => problem.path));
    problems.push(...ajvErrorsToProblems(validateHostConfig.errors, file, { document }).filter((problem) => !unset.has(problem.path) || problem.message.startsWith('unknown key')));
  }
  const config = raw as Record<string, any>;
  const usable = valid ? { sections: config, integrations: config['integrations'] as Record<string, any>[] } : salvageHostConfig(config, validateHostConfig);
  if (usable === undefined) return { problems, error: problemsError('CONFIG_INVALID', file, problems) };
  const salvaged = { ...usable.sections, integrations: usable.integrations };
  problems.push(...semanticProblems(salvaged, file, document));
  const environment = applyEnvironment(normalise(salvaged, file, path.dirname(path.resolve(file)), defaults, document), env);
  problems.push(...environment.problems);
  if (problems.length === 0) return { config: environment.config, problems };
  const code = problems.length === missing.length ? 'CONFIG_MISSING_ENV' : 'CONFIG_INVALID';
  return { config: environment.config, problems, error: problemsError(code, file, problems) };
}

/** Builds a `HostConfig` from an already-validated plain object (used by the Ocean env path too). */
export function normalise(
  config: Record<string, any>,
  source: string,
  baseDir: string,
  defaults: HostConfigDefaults,
  document?: SourceDocument,
  style: 'yaml' | 'ocean-env' = 'yaml',
): HostConfig {
  const directories: string[] | undefined = config['plugins']?.directories;
  const result: HostConfig = {
    source,
    server: normaliseServer(config['server']),
    log: config['log'],
    plugins: {
      ...config['plugins'],
      directories: directories ? directories.map((dir) => path.resolve(baseDir, dir)) : defaults.pluginDirectories,
    },
    dataDir: config['dataDir'] ? path.resolve(baseDir, config['dataDir']) : defaults.dataDir,
    shutdown: config['shutdown'],
    resync: config['resync'],
    live: config['live'],
    // An integration the schema refused beyond repair is a hole (undefined): the others keep their positions.
    integrations: (config['integrations'] as (Record<string, any> | undefined)[]).flatMap((integration, index) =>
      integration === undefined ? [] : [integrationConfig(integration, { file: source, path: ['integrations', index], style }, baseDir)],
    ),
  };
  const port = config['port'] as Record<string, any> | undefined;
  if (port?.['embedded'] !== undefined) result.port = { embedded: { ...DEFAULT_EMBEDDED_PORT, ...port['embedded'] } };
  else if (port !== undefined) result.port = { baseUrl: port['baseUrl'] ?? DEFAULT_PORT_BASE_URL, clientId: port['clientId'], clientSecret: port['clientSecret'] };
  if (document) result.document = document;
  return result;
}

function normaliseServer(server: { host: string; port: number; publicUrl?: string }): HostConfig['server'] {
  if (server.publicUrl === undefined) return server;
  return { ...server, publicUrl: server.publicUrl.replace(/\/+$/, '') };
}

function integrationConfig(integration: Record<string, any>, origin: IntegrationConfig['origin'], baseDir: string): IntegrationConfig {
  return {
    identifier: integration['identifier'],
    type: integration['type'],
    enabled: integration['enabled'],
    config: integration['config'],
    eventListener: integration['eventListener'],
    scheduledResyncInterval: integration['scheduledResyncInterval'],
    initializePortResources: integration['initializePortResources'],
    allowEnvironmentVariablesJqAccess: integration['allowEnvironmentVariablesJqAccess'],
    // A file source without a file is reported by semanticProblems; what is usable reads from Port.
    mapping:
      mappingSource(integration['mapping']) === 'file' && typeof integration['mapping'].file === 'string'
        ? { source: 'file', file: path.resolve(baseDir, integration['mapping'].file) }
        : { source: 'port' },
    ...(integration['shard'] === undefined ? {} : { shard: integration['shard'] as number }),
    origin,
  };
}

/** Checks the schema cannot express: unique identifiers, mapping file presence. */
function semanticProblems(config: Record<string, any>, file: string, document: SourceDocument): Problem[] {
  const problems: Problem[] = [];
  const firstSeen = new Map<string, number>();
  const baseDir = path.dirname(path.resolve(file));
  (config['integrations'] as (Record<string, any> | undefined)[]).forEach((integration, index) => {
    if (integration === undefined) return;
    const identifier = integration['identifier'] as string;
    const previous = firstSeen.get(identifier);
    if (previous === undefined) firstSeen.set(identifier, index);
    else {
      problems.push({
        file,
        path: formatPath(['integrations', index, 'identifier']),
        message: `duplicate identifier "${identifier}" (already used by integrations[${previous}])`,
        ...document.locate(['integrations', index, 'identifier']),
      });
    }
    const mapping = integration['mapping'];
    if (mappingSource(mapping) === 'file') {
      if (mapping.file === undefined) {
        problems.push({ file, path: formatPath(['integrations', index, 'mapping']), message: 'source "file" needs a "file" key', ...document.locate(['integrations', index, 'mapping']) });
      } else if (!existsSync(path.resolve(baseDir, mapping.file))) {
        problems.push({
          file,
          path: formatPath(['integrations', index, 'mapping', 'file']),
          message: `mapping file ${path.resolve(baseDir, mapping.file)} does not exist`,
          ...document.locate(['integrations', index, 'mapping', 'file']),
        });
      }
    } else if (mapping.file !== undefined) {
      problems.push({ file, path: formatPath(['integrations', index, 'mapping', 'file']), message: 'only allowed with source "file"', ...document.locate(['integrations', index, 'mapping', 'file']) });
    }
  });
  const port = config['port'] as Record<string, unknown> | undefined;
  if (port?.['embedded'] !== undefined) {
    for (const key of ['baseUrl', 'clientId', 'clientSecret']) {
      if (port[key] === undefined) continue;
      problems.push({
        file,
        path: formatPath(['port', key]),
        message: `not allowed with port.embedded: ${key} connects to a Port organization, port.embedded runs the local one (credentials of the local one go under port.embedded)`,
        ...document.locate(['port', key]),
      });
    }
  }
  ((config['plugins']?.directories as string[] | undefined) ?? []).forEach((dir, index) => {
    const resolved = path.resolve(baseDir, dir);
    if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
      problems.push({ file, path: formatPath(['plugins', 'directories', index]), message: `plugin directory ${resolved} does not exist`, ...document.locate(['plugins', 'directories', index]) });
    }
  });
  return problems;
}

export function problemsError(code: 'CONFIG_INVALID' | 'CONFIG_PARSE_FAILED' | 'CONFIG_MISSING_ENV', file: string, problems: Problem[]): MarinaError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new MarinaError(code, `Host config ${file} has ${count}:\n${formatProblems(problems)}`, { details: { file, problems } });
}

/** `mapping: { file: x }` means a file mapping; an explicit `source` wins. */
function mappingSource(mapping: { source?: string; file?: string }): 'port' | 'file' {
  return (mapping.source as 'port' | 'file' | undefined) ?? (mapping.file === undefined ? 'port' : 'file');
}

/** How to name a path under an integration for its operator: YAML path or Ocean variable. */
export function originPath(origin: IntegrationConfig['origin'], path: string): string {
  return origin.style === 'ocean-env' ? oceanEnvName(path) : path;
}
