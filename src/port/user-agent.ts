/**
 * The identity Marina presents to Port. Port stores the User-Agent of the last write as the
 * entity's `$datasource`, and both reconciliation and Port's UI recognise an integration by it,
 * so it must be byte-for-byte Ocean's: `port-ocean/<type>/<version>/<identifier>/<feature>`.
 */
export interface IntegrationIdentity {
  /** The integration's identifier (Ocean's installationId). */
  identifier: string;
  /** The plugin type, such as `github`. */
  type: string;
  /** The plugin version reported to Port. */
  version: string;
}

/** `exporter` for resyncs and live events; `gitops` for GitOps writes. */
export type UserAgentFeature = 'exporter' | 'gitops';

/** The User-Agent for entity writes and searches. */
export function entityUserAgent(identity: IntegrationIdentity, feature: UserAgentFeature = 'exporter'): string {
  return `port-ocean/${identity.type}/${identity.version}/${identity.identifier}/${feature}`;
}

/** The User-Agent for control-plane calls (integration, blueprints, resync state). */
export function controlUserAgent(identity: IntegrationIdentity): string {
  return `port-ocean/${identity.type}/${identity.version}/${identity.identifier}`;
}

/**
 * The datasource prefix and suffix that select the entities this integration owns. The version
 * sits between them, so entities written by older versions of the same integration still match.
 */
export function ownershipScope(
  identity: Pick<IntegrationIdentity, 'identifier' | 'type'>,
  feature: UserAgentFeature = 'exporter',
): { prefix: string; suffix: string } {
  return { prefix: `port-ocean/${identity.type}/`, suffix: `/${identity.identifier}/${feature}` };
}
