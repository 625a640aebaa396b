import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KindCounts } from './resync-progress.js';

/**
 * Resync series, registered on the host's registry (never prom-client's global one) and
 * labelled by integration, so fifty integrations in one process stay apart.
 */
export interface ResyncMetrics {
  /** Per-kind counts by outcome: records, mapped, filtered, skipped, upserted, unchanged, failed, deleted. */
  entities: Counter<'integration' | 'kind' | 'outcome'>;
  runs: Counter<'integration' | 'status'>;
  duration: Histogram<'integration' | 'status'>;
  running: Gauge<'integration'>;
  /** When the integration's last resync completed (unix seconds); absent until one has. */
  lastSuccess: Gauge<'integration'>;
  /** Adds `delta` of one count of one kind. */
  add(integration: string, kind: string, outcome: keyof KindCounts, delta: number): void;
}

export function createResyncMetrics(registry: Registry): ResyncMetrics {
  const existing = registry.getSingleMetric('marina_resync_entities_total');
  if (existing !== undefined) throw new Error('resync metrics are already registered on this registry; create them once per host');
  const entities = new Counter({
    name: 'marina_resync_entities_total',
    help: 'Resync figures per integration and kind, by outcome (records, mapped, filtered, skipped, upserted, unchanged, failed, deleted)',
    labelNames: ['integration', 'kind', 'outcome'] as const,
    registers: [registry],
  });
  const runs = new Counter({
    name: 'marina_resync_runs_total',
    help: 'Finished resyncs per integration, by status (completed, failed, aborted)',
    labelNames: ['integration', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'marina_resync_duration_seconds',
    help: 'Duration of resyncs per integration, by status',
    labelNames: ['integration', 'status'] as const,
    buckets: [1, 5, 15, 60, 300, 900, 3600, 14400],
    registers: [registry],
  });
  const running = new Gauge({
    name: 'marina_resync_running',
    help: 'Resyncs running per integration (0 or 1)',
    labelNames: ['integration'] as const,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'marina_resync_last_success_timestamp_seconds',
    help: 'When the last resync of each integration completed, in unix seconds (alert on time() minus this)',
    labelNames: ['integration'] as const,
    registers: [registry],
  });
  return {
    entities,
    runs,
    duration,
    running,
    lastSuccess,
    add(integration, kind, outcome, delta) {
      if (delta > 0) entities.inc({ integration, kind, outcome }, delta);
    },
  };
}
