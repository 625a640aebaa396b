import { Counter, type Registry } from 'prom-client';

export const MISCONFIGURATION_METRIC = 'marina_mapping_misconfigurations_total';

/**
 * `marina_mapping_misconfigurations_total{integration,kind,severity}`: mapped items that got null
 * in a field, per field occurrence, from resyncs and live events alike. Both register it on the
 * host's registry, so the first one creates it and the other reuses it.
 */
export function misconfigurationCounter(registry: Registry): Counter<'integration' | 'kind' | 'severity'> {
  const existing = registry.getSingleMetric(MISCONFIGURATION_METRIC);
  if (existing !== undefined) return existing as Counter<'integration' | 'kind' | 'severity'>;
  return new Counter({
    name: MISCONFIGURATION_METRIC,
    help: 'Mapped items whose entity got null in a field (the jq gave null, no output or an error), per integration, kind and severity (error: the blueprint requires the field)',
    labelNames: ['integration', 'kind', 'severity'] as const,
    registers: [registry],
  });
}
