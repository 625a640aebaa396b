import type { Logger } from 'pino';
import type { EventListenerConfig, IntegrationConfig, PortConnection } from '../config/host-config.js';
import { describeError } from '../errors.js';
import { changelogDestination, createEventListener } from '../listeners/event-listener.js';
import { loadPortResources, provisionIntegration, type IntegrationIdentity } from '../port/index.js';
import type { IntegrationInstance } from '../sdk/index.js';
import { createIntegrationRuntime, type EventListener, type IntegrationRuntime, type ListenerContext } from '../sync/integration-runtime.js';
import type { ResyncHub } from '../sync/resync-hub.js';
import type { LoadedPlugin } from './plugin-loader.js';

/** How the host runs resyncs: shared by every integration of the host. */
export interface ResyncWiring {
  hub: ResyncHub;
  port: PortConnection;
  /** A plugin that produces no page for this long fails its kind. @default the runner's (5 min) */
  pageTimeoutMs?: number;
  /** A progress line per running kind this often. @default the runner's (30 s) */
  progressLogMs?: number;
  /**
   * Replaces the configured listener (`marina sail` drives every integration itself, so it uses
   * a listener that only enables resyncs). @default the configured one
   */
  listener?: (config: EventListenerConfig, context: ListenerContext) => EventListener;
}

export interface IntegrationResyncOptions {
  config: IntegrationConfig;
  plugin: LoadedPlugin;
  /** The host's logger (the runtime binds the integration itself). */
  logger: Logger;
  wiring: ResyncWiring;
  /** The instance serving the integration now (it changes on hot reload). */
  instance: () => IntegrationInstance | undefined;
  /** Runs a resync as tracked work of the integration (aborted on reload and shutdown). */
  runWork: <T>(work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal) => Promise<T>;
  redact: (text: string) => string;
  /** Cancels provisioning and the listener start (the integration stopped meanwhile). */
  signal: AbortSignal;
}

/**
 * Ocean's startup for one integration (ocean-behavior.md 2.3 and 6): make sure Port knows the
 * integration (and, when asked, its default blueprints and mapping), then start its resync
 * runtime with its listener. A provisioning failure is returned, not thrown: the integration
 * still serves live events and its resyncs report their own errors.
 */
export async function startIntegrationResync(options: IntegrationResyncOptions): Promise<{ runtime: IntegrationRuntime; provisioningError?: string }> {
  const { config, plugin, logger, wiring } = options;
  const client = wiring.hub.portClient(wiring.port);
  const own = logger.child({ integration: config.identifier });
  const integration: IntegrationIdentity = { identifier: config.identifier, type: plugin.type, version: plugin.version };
  let provisioningError: string | undefined;
  try {
    const resources = plugin.resourcesDir === undefined ? { blueprints: [] } : await loadPortResources(plugin.resourcesDir);
    const report = await provisionIntegration(client, integration, {
      resources,
      initializePortResources: config.initializePortResources,
      changelogDestination: changelogDestination(config.eventListener, config.identifier),
      logger: own,
      signal: options.signal,
    });
    own.info({ ...report }, 'integration provisioned in Port');
  } catch (error) {
    options.signal.throwIfAborted();
    provisioningError = options.redact(describeError(error));
    own.error({ err: provisioningError }, 'could not provision the integration in Port; resyncs will report their own errors');
  }
  const listenerFactory = wiring.listener ?? ((listenerConfig: EventListenerConfig, context: ListenerContext) => createEventListener(listenerConfig, context));
  const runtime = createIntegrationRuntime({
    integration,
    scheduler: wiring.hub.scheduler,
    client,
    intervalMinutes: config.scheduledResyncInterval,
    runner: {
      engine: wiring.hub.engineFor({ allowEnv: config.allowEnvironmentVariablesJqAccess }),
      instance: options.instance,
      mapping: config.mapping,
      redact: options.redact,
      ...(wiring.pageTimeoutMs === undefined ? {} : { pageTimeoutMs: wiring.pageTimeoutMs }),
      ...(wiring.progressLogMs === undefined ? {} : { progressLogMs: wiring.progressLogMs }),
      ...(wiring.hub.metrics ? { metrics: wiring.hub.metrics } : {}),
    },
    listener: (context) => listenerFactory(config.eventListener, context),
    logger,
    runWork: options.runWork,
  });
  options.signal.throwIfAborted();
  await runtime.start();
  return { runtime, ...(provisioningError === undefined ? {} : { provisioningError }) };
}

/**
 * The listener of a command that drives each resync itself (`marina sail`, and `marina start`
 * when every integration is ONCE): resyncs enabled, nothing triggered on its own. `type` is what
 * the status API shows.
 */
export function commandDrivenListener(type = 'CLI'): EventListener {
  return { type, resyncs: true, async start() {}, async stop() {} };
}
