import type { PortClient } from './port-client.js';
import type { IntegrationIdentity } from './user-agent.js';

/** A blueprint as Port returns it (`schema`, `relations`, ...), not interpreted here. */
export type PortBlueprint = Record<string, unknown> & {
  identifier?: string;
  schema?: { properties?: Record<string, unknown>; required?: string[] };
  relations?: Record<string, { target?: unknown; required?: boolean; many?: boolean }>;
};

/**
 * `GET /v1/blueprints/:identifier`: the blueprint, or undefined when Port has none by that
 * identifier. Other failures throw (the Port client's error, after its retries).
 */
export async function readBlueprint(
  client: PortClient,
  integration: IntegrationIdentity,
  identifier: string,
  options: { lane?: 'live' | 'resync'; signal?: AbortSignal } = {},
): Promise<PortBlueprint | undefined> {
  const response = await client.request<{ blueprint?: PortBlueprint }>({
    method: 'GET',
    path: `/v1/blueprints/${encodeURIComponent(identifier)}`,
    integration,
    accept: [404],
    ...(options.lane === undefined ? {} : { lane: options.lane }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (response.status === 404) return undefined;
  return response.body.blueprint;
}
