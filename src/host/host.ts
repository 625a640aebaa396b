import type { Logger } from 'pino';
import { isDeepStrictEqual } from 'node:util';
import { originPath, type HostConfig, type IntegrationConfig, type PortConnection } from '../config/host-config.js';
import { formatPath, formatProblems, type Problem } from '../config/problems.js';
import { isMarinaError, MarinaError } from '../errors.js';
import type { HostMetrics } from '../observability/metrics.js';
import type { SecretRedactor } from '../observability/secret-redactor.js';
import type { ImportModule } from './import-module.js';
import { createResyncHub, type ResyncHub } from '../sync/resync-hub.js';
import { createLiveEvents, type LiveEvents } from '../live/index.js';
import { fetchMapping } from '../sync/mapping-source.js';
import type { ResyncWiring } from './integration-resync.js';
import { Integration, type LiveWiring } from './integration.js';
import { findPluginDir, loadPlugin, readPluginFolder, type LoadedPlugin } from './plugin-loader.js';
import { watchPlugins, type PluginWatcher } from './plugin-watcher.js';

export type HostState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface HostOptions {
  config: HostConfig;
  logger: Logger;
  redactor: SecretRedactor;
  metrics: HostMetrics;
  env: Readonly<Record<string, string | undefined>>;
  importModule: ImportModule;
  /** The Port the integrations talk to (the configured one or the embedded emulator). */
  port?: PortConnection;
  /**
   * `port` is the embedded local Port: its clientId is a name the operator chose (or a random
   * one), not a secret, so only its clientSecret is masked. @default false
   */
  embeddedPort?: boolean;
  /** Resync settings; resyncs run whenever there is a Port. */
  resync?: HostResyncOptions;
}

export interface HostResyncOptions {
  /** Most resyncs at once across integrations. @default the config's `resync.maxConcurrent` */
  maxConcurrentResyncs?: number;
  /** @default the config's `resync.pageTimeoutSeconds` × 1000 */
  pageTimeoutMs?: number;
  /** Replaces every integration's listener (`marina sail`). */
  listener?: ResyncWiring['listener'];
}

/** What {@link Host.reconfigure} did, by integration identifier. */
export interface ReconfigureResult {
  added: string[];
  removed: string[];
  /** Stopped and set up again with their new settings. */
  changed: string[];
  /** Left running untouched. */
  unchanged: string[];
  /** Top-level sections that differ but only apply on restart (server, port, plugins, ...). */
  needsRestart: string[];
}

export interface Host {
  /** The current config (integrations as last reconfigured). */
  readonly config: HostConfig;
  readonly state: HostState;
  readonly port: PortConnection | undefined;
  /**
   * What integrations share for talking to Port and mapping: the jq engine, one Port client per
   * organization, the resync scheduler. Undefined without a Port. Live events should use the
   * same engine and clients, so the organization's rate budget sees all of its traffic.
   */
  readonly resyncHub: ResyncHub | undefined;
  /**
   * Live events (webhook deliveries) of every integration: the journal in the data dir, the
   * queues, the webhook routes. Undefined without a Port (there would be nowhere to write).
   */
  readonly live: LiveEvents | undefined;
  /**
   * Loads the plugins the config names and sets up every integration. Problems an operator
   * must fix first (unknown plugin type, plugin folder without entry file or spec) refuse the
   * start; a plugin that fails to import or throws in setup only fails its own integrations.
   * @throws MarinaError `CONFIG_INVALID` listing every such problem.
   */
  start(): Promise<void>;
  /** Graceful stop; see {@link createHost}. Resolves `clean: false` when the deadline passed. */
  stop(options?: { timeoutMs?: number }): Promise<{ clean: boolean }>;
  integrations(): Integration[];
  integration(identifier: string): Integration | undefined;
  /** Loads, reloads or unloads plugin `type` from disk, as the watcher does on changes. */
  reloadPlugin(type: string): Promise<void>;
  /**
   * Applies a new config's integrations without a restart (`SIGHUP`): removed ones stop, new
   * ones start, changed ones restart with their new settings, the others keep running
   * untouched. Sections read only at start are reported in `needsRestart`.
   * @throws MarinaError `CONFIG_INVALID` (nothing changes) for problems that would refuse a start.
   */
  reconfigure(next: HostConfig): Promise<ReconfigureResult>;
}

/**
 * The host: one {@link Integration} per configured integration, plugins loaded from the plugin
 * directories, hot reload when `plugins.watch` is on.
 *
 * Stopping: the watcher stops, every integration's signal fires at once (in-flight work starts
 * aborting everywhere), then integrations are drained and their plugins closed one by one in
 * reverse configuration order, all within one deadline (`shutdown.timeoutSeconds`); each gets an
 * equal share of the time left, so one plugin that hangs cannot starve those after it.
 */
export function createHost(options: HostOptions): Host {
  const { logger } = options;
  // Integrations change on reconfigure; every other section is fixed for the host's lifetime.
  let config = options.config;
  let state: HostState = 'created';
  let watcher: PluginWatcher | undefined;
  const integrations = new Map<string, Integration>();
  const reloadChains = new Map<string, Promise<void>>();
  const drainTimeoutMs = config.shutdown.timeoutSeconds * 1000;
  // The config already carries the MARINA_* overrides (the config stage applies and checks them).
  const maxConcurrentResyncs = options.resync?.maxConcurrentResyncs ?? config.resync.maxConcurrent;
  const hub: ResyncHub | undefined = options.port ? createResyncHub({ logger, registry: options.metrics.registry, maxConcurrentResyncs, env: options.env }) : undefined;
  const pageTimeoutMs = options.resync?.pageTimeoutMs ?? config.resync.pageTimeoutSeconds * 1000;
  const resyncWiring: ResyncWiring | undefined =
    hub && options.port
      ? { hub, port: options.port, pageTimeoutMs, progressLogMs: config.resync.progressLogSeconds * 1000, ...(options.resync?.listener ? { listener: options.resync.listener } : {}) }
      : undefined;

  // Live events write through the organization's client the resyncs use, so one budget sees both.
  const liveClient = hub && options.port ? hub.portClient(options.port) : undefined;
  const live: LiveEvents | undefined =
    hub && liveClient && options.port
      ? createLiveEvents({
          dataDir: config.dataDir,
          engine: hub.engine,
          client: liveClient,
          ownership: hub.ownership(options.port),
          logger,
          registry: options.metrics.registry,
          concurrency: config.live.concurrency,
          dedupeWindowMs: config.live.dedupeMinutes * 60_000,
          bodyLimitBytes: config.live.bodyLimitBytes,
        })
      : undefined;
  const liveWiring: LiveWiring | undefined =
    hub && live && liveClient
      ? {
          attach: ({ integration, processors, mapping, allowEnv }) => {
            live.attach({
              integration,
              processors,
              engine: hub.engineFor({ allowEnv }),
              readMapping: (signal) => fetchMapping(mapping, { client: liveClient, integration, signal }),
            });
          },
          detach: (identifier, drainMs) => live.detach(identifier, { drainMs }),
          snapshot: (identifier) => live.snapshot(identifier),
          recentDeadLetters: (identifier, since) => live.get(identifier)?.recentDeadLetters(since),
        }
      : undefined;

  if (options.port) {
    if (options.embeddedPort !== true) options.redactor.add(options.port.clientId);
    options.redactor.add(options.port.clientSecret);
  }
  const createIntegration = (integrationConfig: IntegrationConfig, document: HostConfig['document']) =>
    new Integration({
      config: integrationConfig,
      logger,
      redactor: options.redactor,
      metrics: options.metrics,
      env: options.env,
      setupTimeoutMs: config.plugins.setupTimeoutSeconds * 1000,
      dataDir: config.dataDir,
      ...(config.server.publicUrl === undefined ? {} : { publicUrl: config.server.publicUrl }),
      ...(document ? { document } : {}),
      ...(resyncWiring ? { resync: resyncWiring } : {}),
      ...(liveWiring ? { live: liveWiring } : {}),
    });
  for (const integrationConfig of config.integrations) {
    integrations.set(integrationConfig.identifier, createIntegration(integrationConfig, config.document));
  }
  // `degraded` follows from resync runs and dead letters as they happen, so the status series
  // are brought up to date when they are read rather than on every change.
  options.metrics.refreshStatusesWith(() => {
    for (const integration of integrations.values()) integration.publishStatus();
  });
  let reconfiguring: Promise<unknown> = Promise.resolve();

  const usersOf = (type: string) => [...integrations.values()].filter((integration) => integration.config.type === type);

  async function loadAndActivate(type: string, reason: 'start' | 'reload', only?: Integration[]): Promise<void> {
    const users = only ?? usersOf(type);
    const dir = findPluginDir(type, config.plugins.directories);
    if (dir === undefined) {
      if (users.length === 0) return;
      logger.warn({ plugin: type }, `plugin "${type}" was removed; stopping the integrations that use it`);
      const error = new MarinaError('PLUGIN_NOT_FOUND', `plugin folder "${type}" was removed from ${config.plugins.directories.join(', ')}`, { details: { plugin: type } });
      await Promise.all(users.map((integration) => integration.stop({ reason: 'plugin removed', timeoutMs: drainTimeoutMs, error })));
      return;
    }
    if (users.length === 0) {
      logger.info({ plugin: type }, `plugin "${type}" changed; no integration uses it`);
      return;
    }
    let plugin: LoadedPlugin;
    try {
      plugin = await loadPlugin(dir, { importModule: options.importModule, fresh: reason === 'reload' || only !== undefined });
    } catch (error) {
      logger.error({ plugin: type, code: isMarinaError(error) ? error.code : undefined, err: error }, `plugin "${type}" failed to load`);
      await Promise.all(users.map((integration) => integration.fail(error, { reason })));
      return;
    }
    logger.info({ plugin: type, version: plugin.version, entry: plugin.entry, reason }, `plugin "${type}" loaded`);
    await Promise.all(users.map((integration) => integration.activate(plugin, { reason, drainTimeoutMs })));
  }

  const host: Host = {
    get config() {
      return config;
    },
    get state() {
      return state;
    },
    port: options.port,
    resyncHub: hub,
    live,
    async start() {
      if (state !== 'created') throw new MarinaError('HOST_NOT_RUNNING', `Cannot start a host that is ${state}`);
      state = 'starting';
      const problems = await staticProblems(config);
      if (problems.length > 0) {
        state = 'stopped';
        throw new MarinaError('CONFIG_INVALID', `Cannot start: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${formatProblems(problems)}`, {
          details: { problems },
        });
      }
      // Before any integration attaches: events a previous run accepted come back first.
      try {
        await live?.open();
      } catch (error) {
        state = 'stopped';
        throw new MarinaError('LIVE_STORE_FAILED', `Cannot open the live-event journal in ${config.dataDir}: ${(error as Error).message}`, { cause: error, details: { dataDir: config.dataDir } });
      }
      const types = [...new Set(config.integrations.filter((i) => i.enabled).map((i) => i.type))];
      await Promise.all(types.map((type) => loadAndActivate(type, 'start')));
      for (const integration of integrations.values()) {
        if (!integration.config.enabled) await integration.stop({ reason: 'disabled in config', timeoutMs: 0 });
      }
      const waiting = live?.unattached() ?? [];
      if (waiting.length > 0) {
        logger.warn({ integrations: waiting }, 'live events wait in the journal for integrations that are not running; they run once those integrations start');
      }
      if (config.plugins.watch) {
        watcher = watchPlugins({
          directories: config.plugins.directories,
          debounceMs: config.plugins.debounceMs,
          logger,
          onChange: (type) => void host.reloadPlugin(type),
        });
        await watcher.ready;
      }
      state = 'running';
    },
    reloadPlugin(type) {
      if (state === 'stopping' || state === 'stopped') return Promise.resolve();
      // One reload per plugin at a time; a change during a reload triggers another after it.
      const previous = reloadChains.get(type) ?? Promise.resolve();
      const next = previous.then(() => (state === 'stopping' || state === 'stopped' ? undefined : loadAndActivate(type, 'reload')));
      const settled = next.catch((error: unknown) => logger.error({ err: error, plugin: type }, 'plugin reload crashed'));
      reloadChains.set(type, settled);
      return settled;
    },
    reconfigure(next) {
      const run = async (): Promise<ReconfigureResult> => {
        if (state !== 'running') throw new MarinaError('HOST_NOT_RUNNING', `Cannot reconfigure a host that is ${state}`);
        const needsRestart = RESTART_SECTIONS.filter((section) => !isDeepStrictEqual(config[section], next[section]));
        const effective: HostConfig = { ...config, integrations: next.integrations, source: next.source };
        if (next.document) effective.document = next.document;
        if (next.shard) effective.shard = next.shard;
        const problems = await staticProblems(effective);
        if (problems.length > 0) {
          throw new MarinaError('CONFIG_INVALID', `Config not applied: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${formatProblems(problems)}`, {
            details: { problems },
          });
        }
        const result: ReconfigureResult = { added: [], removed: [], changed: [], unchanged: [], needsRestart };
        const wanted = new Map(next.integrations.map((integration) => [integration.identifier, integration]));
        for (const [identifier, integration] of integrations) {
          const target = wanted.get(identifier);
          if (target !== undefined && sameSettings(integration.config, target)) {
            result.unchanged.push(identifier);
            continue;
          }
          (target === undefined ? result.removed : result.changed).push(identifier);
          await integration.stop({ reason: target === undefined ? 'removed from the config' : 'config changed', timeoutMs: drainTimeoutMs });
        }
        const started: Integration[] = [];
        const rebuilt = new Map<string, Integration>();
        for (const target of next.integrations) {
          const existing = integrations.get(target.identifier);
          if (existing !== undefined && result.unchanged.includes(target.identifier)) {
            rebuilt.set(target.identifier, existing);
            continue;
          }
          if (existing === undefined) result.added.push(target.identifier);
          const integration = createIntegration(target, next.document);
          rebuilt.set(target.identifier, integration);
          started.push(integration);
        }
        integrations.clear();
        for (const [identifier, integration] of rebuilt) integrations.set(identifier, integration);
        config = effective;
        const enabled = started.filter((integration) => integration.config.enabled);
        const types = [...new Set(enabled.map((integration) => integration.config.type))];
        await Promise.all(types.map((type) => loadAndActivate(type, 'start', enabled.filter((integration) => integration.config.type === type))));
        for (const integration of started) {
          if (!integration.config.enabled) await integration.stop({ reason: 'disabled in config', timeoutMs: 0 });
        }
        logger.info({ ...result }, 'configuration applied');
        if (needsRestart.length > 0) logger.warn({ sections: needsRestart }, 'these sections changed but apply only on restart');
        return result;
      };
      const next$ = reconfiguring.then(run, run);
      reconfiguring = next$.catch(() => undefined);
      return next$;
    },
    async stop(stopOptions = {}) {
      if (state === 'stopped' || state === 'stopping') return { clean: true };
      state = 'stopping';
      const deadline = Date.now() + (stopOptions.timeoutMs ?? drainTimeoutMs);
      await watcher?.close();
      const ordered = [...integrations.values()].reverse();
      for (const integration of ordered) integration.abort('host shutting down');
      let clean = true;
      for (const [index, integration] of ordered.entries()) {
        // An equal share of what is left, so one plugin that hangs cannot starve the others.
        const share = Math.max(0, deadline - Date.now()) / (ordered.length - index);
        const ok = await integration.stop({ reason: 'host shutting down', timeoutMs: share });
        clean &&= ok;
      }
      // Every integration has detached; what is still queued stays in the journal.
      await live?.close().catch((error: unknown) => logger.error({ err: error }, 'the live-event journal did not close cleanly'));
      // Every runtime has left the scheduler by now; this closes the shared engine and clients.
      if (hub) {
        const { unsettled } = await hub.close({ deadlineMs: Math.max(0, deadline - Date.now()) });
        clean &&= unsettled.length === 0;
      }
      state = 'stopped';
      return { clean };
    },
    integrations: () => [...integrations.values()],
    integration: (identifier) => integrations.get(identifier),
  };
  return host;
}

/** Sections read once at start; a reconfigure reports changes to them instead of applying them. */
const RESTART_SECTIONS = ['server', 'log', 'port', 'plugins', 'dataDir', 'shutdown'] as const;

/** Whether two declarations of an integration would run it the same way (position aside). */
function sameSettings(a: IntegrationConfig, b: IntegrationConfig): boolean {
  const { origin: _a, ...left } = a;
  const { origin: _b, ...right } = b;
  return isDeepStrictEqual(left, right);
}

/**
 * What must be fixed before the host can start, found without running plugin code: unknown
 * plugin types and plugin folders without entry file or with a bad spec.
 */
export async function staticProblems(config: HostConfig): Promise<Problem[]> {
  const problems: Problem[] = [];
  const checked = new Map<string, Problem[]>();
  for (const integration of config.integrations) {
    const at = [...integration.origin.path, 'type'];
    const position = config.document?.locate(at);
    const where = { file: integration.origin.file, path: originPath(integration.origin, formatPath(at)), ...position };
    const dir = findPluginDir(integration.type, config.plugins.directories);
    if (dir === undefined) {
      problems.push({ ...where, message: `unknown plugin type "${integration.type}": no folder "${integration.type}" in ${config.plugins.directories.join(', ')}` });
      continue;
    }
    if (!checked.has(integration.type)) {
      try {
        await readPluginFolder(dir);
        checked.set(integration.type, []);
      } catch (error) {
        const found: Problem[] =
          isMarinaError(error) && Array.isArray(error.details['problems'])
            ? (error.details['problems'] as Problem[])
            : [{ file: dir, path: '', message: isMarinaError(error) ? error.message : String(error) }];
        checked.set(integration.type, found);
        problems.push(...found);
      }
    }
  }
  return problems;
}
