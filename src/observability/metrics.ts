import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The integration status values, also used as the `status` label. */
export const INTEGRATION_STATUSES = ['loading', 'running', 'failed', 'stopped'] as const;
export type IntegrationStatusName = (typeof INTEGRATION_STATUSES)[number];

/**
 * The host's metrics. One registry per host (never prom-client's global one), so two hosts in
 * one process (tests) do not share series. Every series carries the `integration` label;
 * later parts of Marina register their own metrics on `registry` the same way.
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
}

export function createMetrics(): HostMetrics {
  const registry = new Registry();
  const integrationStatus = new Gauge({
    name: 'marina_integration_status',
    help: 'Current status of each integration (1 for the current status)',
    labelNames: ['integration', 'status'] as const,
    registers: [registry],
  });
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
  };
}
