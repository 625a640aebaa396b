import { MarinaError, isMarinaError } from '../errors.js';
import { loadPortAppConfig, parsePortAppConfig, type PortAppConfig } from '../mapping/index.js';
import type { IntegrationIdentity, PortClient } from '../port/index.js';

/** Where an integration's mapping comes from: Port (the default) or a file the operator keeps. */
export type MappingSourceConfig = { source: 'port' } | { source: 'file'; file: string };

/**
 * Reads the mapping for one resync, never from a cache: a mapping saved in Port's UI (or an
 * edited file) applies to the next resync (Ocean 5.1 step 2).
 * @throws MarinaError `MAPPING_INVALID` / `MAPPING_PARSE_FAILED` naming the source, or a Port error.
 */
export async function fetchMapping(
  source: MappingSourceConfig,
  port: { client: PortClient; integration: IntegrationIdentity; signal?: AbortSignal },
): Promise<PortAppConfig> {
  if (source.source === 'file') return loadPortAppConfig(source.file);
  const { client, integration } = port;
  const response = await client.request<{ integration?: { config?: unknown } }>({
    method: 'GET',
    path: `/v1/integration/${encodeURIComponent(integration.identifier)}`,
    integration,
    lane: 'resync',
    ...(port.signal === undefined ? {} : { signal: port.signal }),
  });
  const config = response.body.integration?.config;
  const where = `the mapping of integration "${integration.identifier}" in Port (GET /v1/integration/${integration.identifier}, field config)`;
  if (typeof config !== 'object' || config === null || Array.isArray(config) || Object.keys(config).length === 0) {
    throw new MarinaError('MAPPING_INVALID', `${where} is empty: save a mapping for it in Port, or set mapping: { source: file, file: ... } in the host config`, {
      details: { integration: integration.identifier, source: 'port' },
    });
  }
  try {
    // JSON is YAML, so the same parser (and its messages) serve both sources.
    return parsePortAppConfig(JSON.stringify(config, null, 1), where);
  } catch (error) {
    if (isMarinaError(error)) throw error;
    throw new MarinaError('MAPPING_INVALID', `${where} could not be read: ${(error as Error).message}`, { cause: error, details: { integration: integration.identifier } });
  }
}
