import type { Logger } from 'pino';
import { originPath, type IntegrationConfig } from '../config/host-config.js';
import { formatProblems } from '../config/problems.js';
import type { SourceDocument } from '../config/yaml-document.js';
import { describeError, isMarinaError, MarinaError, type ErrorCode } from '../errors.js';
import type { HostMetrics, IntegrationStatusName } from '../observability/metrics.js';
import { REDACTED, type SecretRedactor } from '../observability/secret-redactor.js';
import type { LiveSnapshot, RecentDeadLetters } from '../live/index.js';
import type { IntegrationIdentity } from '../port/index.js';
import type { IntegrationContext, IntegrationInstance, LiveEventProcessor } from '../sdk/index.js';
import { createHttpClient } from './http-client.js';
import { createIntegrationDataDir } from './integration-data-dir.js';
import { DEAD_LETTER_WINDOW_MS, degradedReasons, type DegradedReason } from './integration-health.js';
import { createPluginCache } from './plugin-cache.js';
import type { LoadedPlugin } from './plugin-loader.js';
import type { IntegrationRuntime, RuntimeStatus } from '../sync/integration-runtime.js';
import { startIntegrationResync, type ResyncWiring } from './integration-resync.js';

export type IntegrationStatus = IntegrationStatusName;

export interface ErrorReport {
  code: ErrorCode | 'INTERNAL';
  message: string;
  at: string;
}

/** What `GET /api/integrations` shows for one integration. Secrets are masked. */
export interface IntegrationSnapshot {
  identifier: string;
  type: string;
  version: string | null;
  /** `loading`, `running`, `degraded` (running, but see `degradedReasons`), `failed` or `stopped`. */
  status: IntegrationStatus;
  enabled: boolean;
  /** Why the integration is `failed` or `stopped`, if it is. */
  error: ErrorReport | null;
  /** Why a running integration is `degraded` (failing resyncs, a dead-lettering live queue); empty otherwise. */
  degradedReasons: DegradedReason[];
  /** The last hot reload that failed while the previous version kept running. */
  reloadError: ErrorReport | null;
  kinds: string[];
  config: Record<string, unknown>;
  eventListener: IntegrationConfig['eventListener'];
  scheduledResyncInterval: number | null;
  initializePortResources: boolean;
  mapping: IntegrationConfig['mapping'];
  startedAt: string | null;
  pluginLoadedAt: string | null;
  reloads: number;
  inflight: number;
  /** Resyncs: listener, running run with live per-kind figures, last runs. Null without Port. */
  resync: (RuntimeStatus & { provisioningError: string | null }) | null;
  /** Live events: queue figures, processors and the dead-letter list; null when not served. */
  live: LiveSnapshot | null;
}

/** How an integration hands its live-event processors to the host's live events. */
export interface LiveWiring {
  /** Serves the processors of the instance now running (start or reload). @throws on duplicate processor names */
  attach(options: { integration: IntegrationIdentity; processors: readonly LiveEventProcessor[]; mapping: IntegrationConfig['mapping']; allowEnv: boolean }): void;
  /** Stops serving them, letting the queue drain for up to `drainMs`. @returns whether it drained. */
  detach(identifier: string, drainMs: number): Promise<boolean>;
  snapshot(identifier: string): LiveSnapshot | undefined;
  /** Dead letters since `since` (epoch ms) still in the list; undefined when live events are not served. */
  recentDeadLetters(identifier: string, since: number): RecentDeadLetters | undefined;
}

export interface IntegrationDependencies {
  config: IntegrationConfig;
  /** The host's root logger; the integration makes its own child. */
  logger: Logger;
  redactor: SecretRedactor;
  metrics: HostMetrics;
  /** For proxy settings of the plugin's HTTP client. */
  env: Readonly<Record<string, string | undefined>>;
  setupTimeoutMs: number;
  /** The host config document, so plugin config problems point at lines. */
  document?: SourceDocument;
  /** Resync machinery; absent when the host has no Port to write to. */
  resync?: ResyncWiring;
  /** Live events; absent without a Port. */
  live?: LiveWiring;
  /** The host's data dir; each integration gets `integrations/<identifier>` under it. */
  dataDir?: string;
  /** The server's public URL (`server.publicUrl`), when configured. */
  publicUrl?: string;
}

/** One running version of the plugin for this integration. */
interface Generation {
  plugin: LoadedPlugin;
  controller: AbortController;
  instance: IntegrationInstance;
  inflight: Set<Promise<unknown>>;
}

const SECRET_KEY = /token|secret|password|passwd|api[-_]?key|credential|private[-_]?key/i;

/**
 * One configured integration: its config, child logger, status, and the plugin instance that
 * currently serves it. Work that belongs to it (resyncs, live events) is registered with
 * {@link Integration.run} or {@link Integration.track}, so a hot reload or shutdown can abort it
 * and wait for it before closing the plugin.
 */
export class Integration {
  readonly identifier: string;
  readonly config: IntegrationConfig;
  readonly logger: Logger;
  #deps: IntegrationDependencies;
  #status: IntegrationStatus = 'loading';
  #error: ErrorReport | null = null;
  #reloadError: ErrorReport | null = null;
  #current: Generation | undefined;
  #startedAt: Date | undefined;
  #reloads = 0;
  /** Serialises start/reload/stop so two reloads never interleave. */
  #transition: Promise<unknown> = Promise.resolve();
  #runtime: IntegrationRuntime | undefined;
  #provisioningError: string | null = null;
  /** Provisioning and listener start, in the background: Port may be slow or down. */
  #resyncStart: { promise: Promise<void>; controller: AbortController } | undefined;

  constructor(deps: IntegrationDependencies) {
    this.#deps = deps;
    this.config = deps.config;
    this.identifier = deps.config.identifier;
    this.logger = deps.logger.child({ integration: this.identifier });
    for (const key of Object.keys(deps.config.config)) {
      if (SECRET_KEY.test(key)) deps.redactor.add(deps.config.config[key]);
    }
    deps.redactor.add(deps.config.eventListener.appHost);
    deps.metrics.setStatus(this.identifier, 'loading');
  }

  /** The lifecycle status (`loading`, `running`, `failed`, `stopped`); {@link Integration.health} adds `degraded`. */
  get status(): IntegrationStatus {
    return this.#status;
  }

  /**
   * The status operators see: `degraded` instead of `running` while its last resync failed, its
   * listener cannot start or its live queue is dead-lettering (see integration-health.ts).
   * Reasons are masked.
   */
  health(now = Date.now()): { status: IntegrationStatus; reasons: DegradedReason[] } {
    if (this.#status !== 'running') return { status: this.#status, reasons: [] };
    const runtime = this.#runtime?.status();
    const recent = this.#deps.live?.recentDeadLetters(this.identifier, now - DEAD_LETTER_WINDOW_MS);
    const reasons = degradedReasons({ ...(runtime ? { resync: runtime } : {}), ...(recent ? { recentDeadLetters: recent } : {}) }).map((reason) => ({
      ...reason,
      message: this.#deps.redactor.redact(reason.message),
    }));
    return { status: reasons.length > 0 ? 'degraded' : 'running', reasons };
  }

  /** Sets `marina_integration_status` to the current {@link Integration.health} (called at each scrape). */
  publishStatus(): void {
    this.#deps.metrics.setStatus(this.identifier, this.health().status);
  }

  /** The running plugin instance, if the integration is running. */
  get instance(): IntegrationInstance | undefined {
    return this.#current?.instance;
  }

  get plugin(): LoadedPlugin | undefined {
    return this.#current?.plugin;
  }

  /** The resync runtime (run requests, run lookups, status), once the integration runs with a Port. */
  get resync(): IntegrationRuntime | undefined {
    return this.#runtime;
  }

  /**
   * Resolves once resyncs have started (with the runtime) or could not start (undefined: no
   * Port, not running, or the listener failed; `resyncError` says why).
   */
  async resyncReady(): Promise<IntegrationRuntime | undefined> {
    await this.#resyncStart?.promise;
    return this.#runtime;
  }

  /** Why resyncs could not start, or why provisioning failed; null when neither happened. */
  get resyncError(): string | null {
    return this.#provisioningError;
  }

  /** Fires when the current plugin instance is stopped (reload, removal, shutdown). */
  get signal(): AbortSignal | undefined {
    return this.#current?.controller.signal;
  }

  /**
   * Runs `work` as a unit of this integration's in-flight work, with a signal that fires when
   * the work must stop (the instance is reloaded or stopped, or the caller's `signal` fires).
   * @throws MarinaError `HOST_NOT_RUNNING` when the integration is not running.
   */
  run<T>(work: (signal: AbortSignal) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const generation = this.#current;
    if (generation === undefined || this.#status !== 'running') {
      return Promise.reject(new MarinaError('HOST_NOT_RUNNING', `Integration "${this.identifier}" is ${this.#status}`, { details: { integration: this.identifier } }));
    }
    const signal = options.signal ? AbortSignal.any([generation.controller.signal, options.signal]) : generation.controller.signal;
    return this.#track(generation, Promise.resolve().then(() => work(signal)));
  }

  /** Registers a promise as in-flight work of the current instance (see {@link Integration.run}). */
  track<T>(promise: Promise<T>): Promise<T> {
    const generation = this.#current;
    if (generation === undefined) return promise;
    return this.#track(generation, promise);
  }

  #track<T>(generation: Generation, promise: Promise<T>): Promise<T> {
    generation.inflight.add(promise);
    this.#deps.metrics.inflight.inc({ integration: this.identifier });
    const done = () => {
      generation.inflight.delete(promise);
      this.#deps.metrics.inflight.dec({ integration: this.identifier });
    };
    promise.then(done, done);
    return promise;
  }

  /**
   * Sets the integration up with `plugin`. On a reload (an instance is already running) the new
   * instance is set up first; only if that works is the old one drained and closed, so a failed
   * reload leaves the previous version serving.
   */
  activate(plugin: LoadedPlugin, options: { reason: 'start' | 'reload'; drainTimeoutMs: number }): Promise<void> {
    return this.#serialise(async () => {
      const previous = this.#current;
      if (!this.config.enabled) {
        this.#setStatus('stopped', null);
        return;
      }
      if (previous === undefined) this.#setStatus('loading', this.#error);
      let generation: Generation;
      try {
        generation = await this.#setUp(plugin);
      } catch (error) {
        const report = this.#report(error);
        this.#deps.metrics.pluginLoads.inc({ integration: this.identifier, result: 'failed', reason: options.reason });
        if (previous !== undefined && this.#status === 'running') {
          this.#reloadError = report;
          this.logger.error({ code: report.code, err: error }, `reload failed; the previous version keeps running: ${report.message}`);
        } else {
          this.#setStatus('failed', report);
          this.logger.error({ code: report.code, err: error }, `integration failed: ${report.message}`);
        }
        return;
      }
      this.#deps.metrics.pluginLoads.inc({ integration: this.identifier, result: 'loaded', reason: options.reason });
      // Swap first, so work started from now on goes to the new instance while the old one drains.
      this.#current = generation;
      this.#reloadError = null;
      this.#startedAt = new Date();
      this.#setStatus('running', null);
      this.#attachLive(plugin, generation.instance);
      if (previous !== undefined) {
        // Draining the old version aborts its resync; the new version takes it up again.
        const interrupted = this.#runtime?.status().running ?? null;
        await this.#shutDown(previous, 'reloaded', options.drainTimeoutMs);
        this.#reloads++;
        if (interrupted !== null) this.#resumeResync(interrupted.runId);
      }
      this.logger.info({ plugin: plugin.type, version: plugin.version, reason: options.reason }, previous ? 'integration reloaded' : 'integration running');
      // Resyncs start once, with the first instance; a reloaded instance serves the next run.
      // Not awaited: provisioning talks to Port, and a slow Port must not hold up live events.
      if (this.#runtime === undefined && this.#resyncStart === undefined && this.#deps.resync !== undefined) {
        const controller = new AbortController();
        const promise = this.#startResync(plugin, this.#deps.resync, controller.signal);
        this.#resyncStart = { promise, controller };
      }
    });
  }

  /** Marks the integration failed without an instance (its plugin did not load). */
  fail(error: unknown, options: { reason: 'start' | 'reload' }): Promise<void> {
    return this.#serialise(async () => {
      const report = this.#report(error);
      this.#deps.metrics.pluginLoads.inc({ integration: this.identifier, result: 'failed', reason: options.reason });
      if (this.#current !== undefined && this.#status === 'running') {
        this.#reloadError = report;
        this.logger.error({ code: report.code, err: error }, `reload failed; the previous version keeps running: ${report.message}`);
        return;
      }
      this.#setStatus('failed', report);
      this.logger.error({ code: report.code, err: error }, `integration failed: ${report.message}`);
    });
  }

  /**
   * Fires the current instance's signal without waiting, so in-flight work of every integration
   * starts stopping at once at shutdown; {@link Integration.stop} then drains and closes.
   */
  abort(reason: string): void {
    this.#current?.controller.abort(new MarinaError('RESYNC_ABORTED', `integration ${reason}`, { details: { integration: this.identifier } }));
  }

  /**
   * Stops the instance: aborts its signal, waits up to `timeoutMs` for tracked work, then calls
   * the plugin's `close()` within what is left of the deadline.
   * @returns whether everything finished within the deadline.
   */
  stop(options: { reason: string; timeoutMs: number; error?: unknown }): Promise<boolean> {
    return this.#serialise(async () => {
      const deadline = Date.now() + options.timeoutMs;
      // The listener stops first, so nothing triggers a resync while the instance drains.
      const starting = this.#resyncStart;
      this.#resyncStart = undefined;
      // Not waited for: provisioning against an unreachable Port may retry for minutes; once
      // aborted, whatever it started is stopped by #startResync itself.
      starting?.controller.abort(new MarinaError('RESYNC_ABORTED', `integration ${options.reason}`, { details: { integration: this.identifier } }));
      const runtime = this.#runtime;
      this.#runtime = undefined;
      const runtimeStopped = runtime === undefined ? true : await withDeadline(runtime.stop(), deadline);
      if (!runtimeStopped) this.logger.warn('the resync runtime did not stop before the deadline');
      // Deliveries already accepted get what is left of the deadline to be handled (by the
      // instance still running); the rest stay in the journal for the next start.
      // At host shutdown the instance is already aborted (see abort()): nothing to wait for.
      const drainMs = this.#current?.controller.signal.aborted ? 0 : Math.max(0, deadline - Date.now());
      const liveDrained = this.#deps.live === undefined ? true : await this.#deps.live.detach(this.identifier, drainMs);
      const generation = this.#current;
      this.#current = undefined;
      const clean = (generation === undefined ? true : await this.#shutDown(generation, options.reason, Math.max(0, deadline - Date.now()))) && runtimeStopped && liveDrained;
      this.#setStatus('stopped', options.error === undefined ? this.#error : this.#report(options.error));
      this.logger.info({ reason: options.reason, clean }, 'integration stopped');
      return clean;
    });
  }

  snapshot(): IntegrationSnapshot {
    const plugin = this.#current?.plugin;
    const redact = (report: ErrorReport | null) => (report ? { ...report, message: this.#deps.redactor.redact(report.message) } : null);
    const health = this.health();
    return {
      identifier: this.identifier,
      type: this.config.type,
      version: plugin?.version ?? null,
      status: health.status,
      enabled: this.config.enabled,
      error: redact(this.#error),
      degradedReasons: health.reasons,
      reloadError: redact(this.#reloadError),
      kinds: plugin ? [...(plugin.definition.kinds ?? Object.keys(this.#current?.instance.resync ?? {}))] : [],
      config: this.#maskedConfig(plugin),
      eventListener: this.config.eventListener.appHost ? { ...this.config.eventListener, appHost: REDACTED } : this.config.eventListener,
      scheduledResyncInterval: this.config.scheduledResyncInterval,
      initializePortResources: this.config.initializePortResources,
      mapping: this.config.mapping,
      startedAt: this.#startedAt?.toISOString() ?? null,
      pluginLoadedAt: plugin?.loadedAt.toISOString() ?? null,
      reloads: this.#reloads,
      inflight: this.#current?.inflight.size ?? 0,
      resync: this.#runtime ? { ...this.#runtime.status(), provisioningError: this.#provisioningError } : null,
      live: this.#liveSnapshot(),
    };
  }

  /** Live figures and dead letters, with secrets masked in the failure reasons (a plugin's error may quote a URL with a token). */
  #liveSnapshot(): LiveSnapshot | null {
    const live = this.#deps.live?.snapshot(this.identifier);
    if (live === undefined) return null;
    return {
      ...live,
      deadLetterList: live.deadLetterList.map((letter) => ({ ...letter, reason: this.#deps.redactor.redact(letter.reason) })),
      misconfigurations: live.misconfigurations.map((field) => (field.example === undefined ? field : { ...field, example: this.#deps.redactor.redact(field.example) })),
    };
  }

  /** Hands the running instance's processors to live events; a bad declaration only disables them. */
  #attachLive(plugin: LoadedPlugin, instance: IntegrationInstance): void {
    if (this.#deps.live === undefined) return;
    try {
      this.#deps.live.attach({
        integration: { identifier: this.identifier, type: plugin.type, version: plugin.version },
        processors: instance.live ?? [],
        mapping: this.config.mapping,
        allowEnv: this.config.allowEnvironmentVariablesJqAccess,
      });
    } catch (error) {
      const report = this.#report(error);
      this.#reloadError = report;
      this.logger.error({ code: report.code, err: error }, `live events not served: ${report.message}`);
    }
  }

  #resumeResync(runId: string): void {
    try {
      this.#runtime?.requestResync({ source: 'reload', reason: `the plugin was reloaded during resync ${runId}` });
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'could not restart the resync interrupted by the reload');
    }
  }

  async #startResync(plugin: LoadedPlugin, wiring: ResyncWiring, signal: AbortSignal): Promise<void> {
    try {
      const started = await startIntegrationResync({
        config: this.config,
        plugin,
        logger: this.#deps.logger,
        wiring,
        signal,
        instance: () => this.instance,
        runWork: (work, workSignal) => this.run(work, { signal: workSignal }),
        redact: (text) => this.#deps.redactor.redact(text),
      });
      if (signal.aborted) {
        // Stopped while starting: this runtime never serves.
        await started.runtime.stop();
        return;
      }
      this.#runtime = started.runtime;
      this.#provisioningError = started.provisioningError ?? null;
    } catch (error) {
      if (signal.aborted) return;
      // A listener that cannot start (Kafka unreachable) leaves the integration serving live
      // events; the error shows in its status.
      this.#provisioningError = this.#deps.redactor.redact(describeError(error));
      this.logger.error({ code: isMarinaError(error) ? error.code : undefined, err: this.#provisioningError }, 'resyncs could not start');
    }
  }

  #serialise<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#transition.then(step, step);
    this.#transition = next.catch(() => undefined);
    return next;
  }

  async #setUp(plugin: LoadedPlugin): Promise<Generation> {
    const checked = plugin.validateConfig(this.config.config, {
      file: this.config.origin.file,
      base: [...this.config.origin.path, 'config'],
      renamePath: (path: string) => originPath(this.config.origin, path),
      ...(this.#deps.document ? { document: this.#deps.document } : {}),
    });
    if (!checked.ok) {
      throw new MarinaError('PLUGIN_CONFIG_INVALID', `Config of integration "${this.identifier}" does not match plugin "${plugin.type}":\n${formatProblems(checked.problems)}`, {
        details: { integration: this.identifier, problems: checked.problems },
      });
    }
    for (const key of plugin.sensitiveKeys) this.#deps.redactor.add(checked.config[key]);
    const dataDir = this.#deps.dataDir === undefined ? undefined : await createIntegrationDataDir(this.#deps.dataDir, this.identifier);
    const controller = new AbortController();
    const context: IntegrationContext = {
      identifier: this.identifier,
      type: plugin.type,
      config: checked.config,
      logger: this.logger.child({ plugin: plugin.type }),
      http: createHttpClient({ env: this.#deps.env, signal: controller.signal, logger: this.logger, userAgent: `marina/${plugin.type}/${plugin.version}` }),
      signal: controller.signal,
      cache: createPluginCache(),
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(this.#deps.publicUrl === undefined ? {} : { webhookBaseUrl: `${this.#deps.publicUrl}/integrations/${encodeURIComponent(this.identifier)}/webhook` }),
    };
    const endTimer = this.#deps.metrics.setupDuration.startTimer({ integration: this.identifier });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new MarinaError('PLUGIN_SETUP_TIMEOUT', `setup of plugin "${plugin.type}" did not finish within ${this.#deps.setupTimeoutMs} ms`, { details: { integration: this.identifier } })),
          this.#deps.setupTimeoutMs,
        );
      });
      const instance = await Promise.race([Promise.resolve().then(() => plugin.definition.setup(context)), timeout]);
      if (instance === null || typeof instance !== 'object' || typeof instance.resync !== 'object' || instance.resync === null) {
        throw new MarinaError('PLUGIN_INVALID_EXPORT', `setup of plugin "${plugin.type}" must return an object with a \`resync\` map of handlers`, { details: { integration: this.identifier } });
      }
      return { plugin, controller, instance, inflight: new Set() };
    } catch (error) {
      controller.abort(error);
      if (isMarinaError(error)) throw error;
      throw new MarinaError('PLUGIN_SETUP_FAILED', `setup of plugin "${plugin.type}" threw`, { cause: error, details: { integration: this.identifier } });
    } finally {
      clearTimeout(timer);
      endTimer();
    }
  }

  async #shutDown(generation: Generation, reason: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (!generation.controller.signal.aborted) generation.controller.abort(new MarinaError('RESYNC_ABORTED', `integration ${reason}`, { details: { integration: this.identifier } }));
    const drained = await withDeadline(Promise.allSettled([...generation.inflight]), deadline);
    if (!drained) this.logger.warn({ inflight: generation.inflight.size }, 'in-flight work did not stop before the deadline');
    let closed = true;
    if (generation.instance.close) {
      try {
        closed = await withDeadline(Promise.resolve().then(() => generation.instance.close?.()), deadline);
        if (!closed) this.logger.warn('plugin close() did not finish before the deadline');
      } catch (error) {
        closed = false;
        this.logger.error({ err: error }, 'plugin close() threw');
      }
    }
    return drained && closed;
  }

  #setStatus(status: IntegrationStatus, error: ErrorReport | null): void {
    this.#status = status;
    this.#error = error;
    this.#deps.metrics.setStatus(this.identifier, status);
  }

  #report(error: unknown): ErrorReport {
    return {
      code: isMarinaError(error) ? error.code : 'INTERNAL',
      message: this.#deps.redactor.redact(describeError(error)),
      at: new Date().toISOString(),
    };
  }

  #maskedConfig(plugin: LoadedPlugin | undefined): Record<string, unknown> {
    const sensitive = new Set(plugin?.sensitiveKeys ?? []);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.config.config)) {
      out[key] = sensitive.has(key) || SECRET_KEY.test(key) ? REDACTED : deepRedact(value, this.#deps.redactor);
    }
    return out;
  }
}

function deepRedact(value: unknown, redactor: SecretRedactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value)) return value.map((item) => deepRedact(item, redactor));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : deepRedact(item, redactor)]));
  }
  return value;
}

/** Resolves true when `promise` settles before `deadline` (epoch ms), false otherwise. */
async function withDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
