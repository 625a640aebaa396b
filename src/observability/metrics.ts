import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The integration status values, also used as the `status` label. `degraded` is `running` with
 * a failing last resync, a listener that cannot start or a dead-lettering live queue.
 */
export const INTEGRATION_STATUSES = ['loading', 'running', 'degraded', 'failed', 'stopped'] as const;
export type IntegrationStatusName = (typeof INTEGRATION_STATUSES)[number];

/**
 * The host's metrics. One registry per host (never prom-client's global one), so two hosts in
 * one process (tests) do not share series. Every `marina_*` series carries the `integration`
 * label; later parts of Marina register their own metrics on `registry` the same way. With
 * `processMetrics`, prom-client's default process and Node.js series (CPU, memory, event-loop
 * lag, GC; `process_*`, `nodejs_*`, without that label) are on it too.
 */
export interface HostMetrics {
  registry: Registry;
  /** 1 for the integration's current status, 0 for the others. */
  integrationStatus: Gauge<'integration' | 'status'>;
  /** Plugin loads by result (`loaded`, `failed`) and reason (`start`, `reload`). */
  pluginLoads: Counter<'integration' | 'result' | 'reason'>;
  /** Time spent in the plugin's `setup`. */
  setupDuration: Histogram<'integration'>;
  /** Work registered with the integration (resyncs, live events) still running. */
  inflight: Gauge<'integration'>;
  setStatus(integration: string, status: IntegrationStatusName): void;
  /** Called before each scrape of `marina_integration_status`, to bring derived statuses up to date. */
  refreshStatusesWith(refresh: () => void): void;
}

export interface MetricsOptions {
  /** Register prom-client's default metrics (process CPU, memory, event-loop lag, GC). @default false */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): HostMetrics {
  const registry = new Registry();
  let refresh: (() => void) | undefined;
  const integrationStatus = new Gauge({
    name: 'marina_integration_status',
    help: 'Current status of each integration (1 for the current status: loading, running, degraded, failed, stopped)',
    labelNames: ['integration', 'status'] as const,
    registers: [registry],
    collect() {
      refresh?.();
    },
  });
  // Once per daemon: each call installs its own event-loop and GC observers.
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const pluginLoads = new Counter({
    name: 'marina_plugin_loads_total',
    help: 'Plugin loads and setups per integration, by result and reason',
    labelNames: ['integration', 'result', 'reason'] as const,
    registers: [registry],
  });
  const setupDuration = new Histogram({
    name: 'marina_integration_setup_duration_seconds',
    help: "Duration of the plugin's setup per integration",
    labelNames: ['integration'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const inflight = new Gauge({
    name: 'marina_integration_inflight_tasks',
    help: 'Tracked tasks (resyncs, live events) running per integration',
    labelNames: ['integration'] as const,
    registers: [registry],
  });
  return {
    registry,
    integrationStatus,
    pluginLoads,
    setupDuration,
    inflight,
    setStatus(integration, status) {
      for (const candidate of INTEGRATION_STATUSES) integrationStatus.set({ integration, status: candidate }, candidate === status ? 1 : 0);
    },
    refreshStatusesWith(next) {
      refresh = next;
    },
  };
}
