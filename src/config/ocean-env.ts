import path from 'node:path';
import { MarinaError } from '../errors.js';
import { ajvErrorsToProblems, createAjv } from './ajv.js';
import { hostConfigSchema } from './host-config-schema.js';
import { normalise, type HostConfig, type HostConfigDefaults } from './host-config.js';
import { oceanEnvName } from './ocean-env-names.js';
import { applyEnvironment } from './env-overrides.js';
import { formatProblems, type Problem } from './problems.js';
import { salvageHostConfig } from './salvage.js';

/** What `readOceanEnv` understood, and the `OCEAN__*` variables it did not use. */
export interface OceanEnvResult {
  config: HostConfig;
  /** Ocean settings Marina does not use (reported as a warning, never an error). */
  ignored: string[];
}

/** Like {@link OceanEnvResult}, with every problem and what is usable despite them. */
export interface OceanEnvInspection extends Omit<OceanEnvResult, 'config'> {
  config?: HostConfig;
  problems: Problem[];
  /** What {@link readOceanEnv} throws for these problems; undefined when there are none. */
  error?: MarinaError;
}

const SOURCE = 'environment (OCEAN__* variables)';

/** Whether the environment describes an Ocean-style single integration. */
export function hasOceanIntegration(env: Readonly<Record<string, string | undefined>>): boolean {
  return Object.keys(env).some((name) => name.toUpperCase() === 'OCEAN__INTEGRATION__TYPE' && env[name]);
}

const PINO_LEVELS: Record<string, string> = { CRITICAL: 'fatal', ERROR: 'error', WARNING: 'warn', INFO: 'info', DEBUG: 'debug' };

/**
 * Builds a host config with one integration from Ocean's environment variables, so an Ocean
 * operator's env file runs unchanged. Names are case-insensitive and nested with `__`, as in
 * Ocean (pydantic); object values may also be given whole as JSON (`OCEAN__EVENT_LISTENER=
 * '{"type":"KAFKA"}'`). Config keys become camelCase (`..._CONFIG__JIRA_HOST` is `jiraHost`).
 * `APPLICATION__PORT` and `APPLICATION__LOG_LEVEL` set the HTTP port and log level.
 *
 * @throws MarinaError `CONFIG_INVALID` naming each offending variable.
 */
export function readOceanEnv(env: Readonly<Record<string, string | undefined>>, defaults: HostConfigDefaults): OceanEnvResult {
  const inspection = inspectOceanEnv(env, defaults);
  if (inspection.error) throw inspection.error;
  return { config: inspection.config!, ignored: inspection.ignored };
}

/** Like {@link readOceanEnv}, but returns every problem with what is usable instead of throwing. */
export function inspectOceanEnv(env: Readonly<Record<string, string | undefined>>, defaults: HostConfigDefaults): OceanEnvInspection {
  const tree: Record<string, any> = {};
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !/^OCEAN__/i.test(name)) continue;
    const segments = name.slice('OCEAN__'.length).toLowerCase().split('__').filter(Boolean);
    let node = tree;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) {
        node[segment] = node[segment] !== undefined && typeof node[segment] === 'object' ? { ...decodeJson(value), ...node[segment] } : value;
      } else {
        if (typeof node[segment] === 'string') node[segment] = decodeJson(node[segment]);
        if (node[segment] === undefined || typeof node[segment] !== 'object') node[segment] = {};
        node = node[segment];
      }
    });
  }
  const ignored: string[] = [];
  const integration = objectOf(tree['integration']);
  const type = String(integration['type'] ?? '').toLowerCase();
  const listener = objectOf(tree['event_listener']);
  const port = objectOf(tree['port']);
  const hostIntegration: Record<string, unknown> = {
    identifier: integration['identifier'] ?? `my-${type}-integration`,
    type,
    config: camelKeys(objectOf(integration['config'])),
    eventListener: camelKeys(Object.keys(listener).length > 0 ? listener : { type: 'POLLING' }),
  };
  if (typeof hostIntegration['eventListener'] === 'object') {
    const el = hostIntegration['eventListener'] as Record<string, unknown>;
    if (typeof el['type'] === 'string') el['type'] = el['type'].toUpperCase();
  }
  if (tree['scheduled_resync_interval'] !== undefined && tree['scheduled_resync_interval'] !== '') {
    hostIntegration['scheduledResyncInterval'] = tree['scheduled_resync_interval'];
  }
  if (tree['initialize_port_resources'] !== undefined) hostIntegration['initializePortResources'] = tree['initialize_port_resources'];
  if (tree['allow_environment_variables_jq_access'] !== undefined) {
    hostIntegration['allowEnvironmentVariablesJqAccess'] = tree['allow_environment_variables_jq_access'];
  }
  const raw: Record<string, any> = { integrations: [hostIntegration] };
  if (port['client_id'] !== undefined || port['client_secret'] !== undefined) {
    raw['port'] = { clientId: port['client_id'], clientSecret: port['client_secret'] };
    if (port['base_url'] !== undefined) raw['port'].baseUrl = String(port['base_url']).replace(/\/+$/, '');
  }
  for (const key of Object.keys(port)) if (!['client_id', 'client_secret', 'base_url'].includes(key)) ignored.push(`OCEAN__PORT__${key.toUpperCase()}`);
  for (const key of Object.keys(integration)) if (!['type', 'identifier', 'config'].includes(key)) ignored.push(`OCEAN__INTEGRATION__${key.toUpperCase()}`);
  for (const key of Object.keys(tree)) {
    if (!['integration', 'event_listener', 'port', 'scheduled_resync_interval', 'initialize_port_resources', 'allow_environment_variables_jq_access', 'base_url'].includes(key)) ignored.push(`OCEAN__${key.toUpperCase()}`);
  }
  const application = applicationSettings(env);
  if (application.port !== undefined) raw['server'] = { port: application.port };
  // Where to listen, as `${MARINA_HOST}` in the bundled config: the container image sets 0.0.0.0.
  if (application.host !== undefined && application.host !== '') raw['server'] = { ...raw['server'], host: application.host };
  // Ocean's public URL of the integration (for the third party's webhooks).
  if (typeof tree['base_url'] === 'string' && tree['base_url'] !== '') raw['server'] = { ...raw['server'], publicUrl: tree['base_url'] };
  if (application.logLevel !== undefined) {
    const level = PINO_LEVELS[application.logLevel.toUpperCase()];
    if (level === undefined) {
      problems.push({ file: SOURCE, path: 'APPLICATION__LOG_LEVEL', message: `must be one of ${Object.keys(PINO_LEVELS).join(', ')}` });
    } else raw['log'] = { level };
  }
  const valid = validate(raw);
  if (!valid) {
    problems.push(...ajvErrorsToProblems(validate.errors, SOURCE).map((problem) => ({ ...problem, path: oceanEnvName(problem.path) })));
  }
  const usable = valid ? { sections: raw, integrations: raw['integrations'] as Record<string, any>[] } : salvageHostConfig(raw, validate);
  const normalised = usable && normalise({ ...usable.sections, integrations: usable.integrations }, SOURCE, path.dirname(defaults.dataDir), defaults, undefined, 'ocean-env');
  const environment = normalised && applyEnvironment(normalised, env);
  problems.push(...(environment?.problems ?? []));
  if (problems.length === 0) return { config: environment!.config, ignored, problems };
  const error = new MarinaError('CONFIG_INVALID', `Ocean environment variables have ${problems.length} problem(s):\n${formatProblems(problems)}`, {
    details: { file: SOURCE, problems },
  });
  return { ...(environment ? { config: environment.config } : {}), ignored, problems, error };
}

const validate = createAjv({ coerceTypes: true }).compile(hostConfigSchema);

function applicationSettings(env: Readonly<Record<string, string | undefined>>): { port?: string; logLevel?: string; host?: string } {
  const out: { port?: string; logLevel?: string; host?: string } = {};
  if (env['MARINA_HOST'] !== undefined) out.host = env['MARINA_HOST'];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name.toUpperCase() === 'APPLICATION__PORT') out.port = value;
    if (name.toUpperCase() === 'APPLICATION__LOG_LEVEL') out.logLevel = value;
  }
  return out;
}

function decodeJson(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string') return objectOf(value);
  try {
    return objectOf(JSON.parse(value));
  } catch {
    return {};
  }
}

function objectOf(value: unknown): Record<string, any> {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, any>) : {};
    } catch {
      return {};
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : {};
}

/** snake_case keys to camelCase, one level (config values themselves are left alone). */
function camelKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), item]));
}
