import { describeError, MarinaError } from '../errors.js';
import { silentLogger, type PortLogger } from './logger.js';
import type { PortClient } from './port-client.js';
import type { BlueprintDefinition, PortResources } from './port-resources.js';
import type { IntegrationIdentity } from './user-agent.js';

export interface ProvisionOptions {
  resources: PortResources;
  /** Ocean's `initializePortResources`: create default blueprints and mapping. */
  initializePortResources: boolean;
  /** Where Port sends resync triggers, such as `{ type: 'WEBHOOK', url }` or `{ type: 'KAFKA' }`. */
  changelogDestination?: Record<string, unknown>;
  /** Bound to the integration by the caller (its lines carry no `integration` key of their own). */
  logger?: PortLogger;
  signal?: AbortSignal;
}

export interface ProvisionReport {
  integrationCreated: boolean;
  configPushed: boolean;
  blueprintsCreated: string[];
  /** Why blueprint creation was skipped, when it was. */
  blueprintsSkipped?: string;
}

/** Keys removed for the "bare" stage: they may point at blueprints that do not exist yet. */
const LINKING_KEYS = ['relations', 'mirrorProperties', 'calculationProperties', 'aggregationProperties', 'ownership', 'teamInheritance'] as const;
/** Keys restored in the second stage (still without mirror/calculation/aggregation). */
const RELATION_KEYS = ['relations', 'ownership', 'teamInheritance'] as const;

/**
 * Ocean's startup provisioning (ocean-behavior.md 2.3): create the integration in Port when it
 * is missing, then, when `initializePortResources` is on and Port says resources are not yet
 * initialised, push the default mapping (only if the integration has none) and create the
 * default blueprints in three stages: bare, with relations, full. Nothing that exists is
 * overwritten: one existing default blueprint skips blueprint creation altogether.
 *
 * Unlike Ocean, a failed blueprint stage rolls back and does NOT mark resources initialised,
 * so the next start tries again instead of leaving the integration without its blueprints.
 */
export async function provisionIntegration(client: PortClient, integration: IntegrationIdentity, options: ProvisionOptions): Promise<ProvisionReport> {
  const logger = options.logger ?? silentLogger;
  const signalOption = options.signal === undefined ? {} : { signal: options.signal };
  const report: ProvisionReport = { integrationCreated: false, configPushed: false, blueprintsCreated: [] };
  const path = `/v1/integration/${encodeURIComponent(integration.identifier)}`;

  const existing = await client.request<{ integration?: Record<string, unknown> }>({ method: 'GET', path, integration, accept: [404], ...signalOption });
  let current = existing.status === 404 ? undefined : existing.body.integration;

  if (current === undefined) {
    const created = await client.request<{ integration?: Record<string, unknown> }>({
      method: 'POST',
      path: '/v1/integration',
      body: {
        installationId: integration.identifier,
        installationAppType: integration.type,
        version: integration.version,
        config: options.resources.portAppConfig ?? { resources: [] },
        createPortResourcesOrigin: 'Default',
        actionsProcessingEnabled: false,
        incrementalSyncEnabled: false,
        ...(options.changelogDestination === undefined ? {} : { changelogDestination: options.changelogDestination }),
      },
      integration,
      // A retry after a lost answer meets our own creation as 409: that is success.
      retry: true,
      accept: [409],
      ...signalOption,
    });
    current = created.status === 409 ? (await client.request<{ integration?: Record<string, unknown> }>({ method: 'GET', path, integration, ...signalOption })).body.integration : created.body.integration;
    report.integrationCreated = created.status !== 409;
    logger.info({ installationAppType: integration.type, version: integration.version }, 'Created the integration in Port');
  } else if (current.version !== integration.version || current.installationAppType !== integration.type) {
    await client.request({ method: 'PATCH', path, body: { installationAppType: integration.type, version: integration.version }, integration, retry: true, ...signalOption });
  }

  if (!options.initializePortResources || current?.arePortResourcesInitialized === true) return report;

  const config = current?.config;
  const hasConfig = typeof config === 'object' && config !== null && Object.keys(config).length > 0;
  if (!hasConfig && options.resources.portAppConfig !== undefined) {
    await client.request({ method: 'PATCH', path: `${path}/config`, body: { config: options.resources.portAppConfig }, integration, retry: true, ...signalOption });
    report.configPushed = true;
  }

  const blueprints = options.resources.blueprints;
  if (blueprints.length > 0) {
    const lookups = await Promise.all(
      blueprints.map((blueprint) => client.request({ method: 'GET', path: blueprintPath(blueprint.identifier), integration, accept: [404], ...signalOption })),
    );
    const present = blueprints.filter((_, index) => lookups[index]!.status !== 404).map((blueprint) => blueprint.identifier);
    if (present.length > 0) {
      report.blueprintsSkipped = `blueprints already exist in Port: ${present.join(', ')}`;
      logger.info({ existing: present }, 'Default blueprints already exist; creating none');
    } else {
      report.blueprintsCreated = await createBlueprints(client, integration, blueprints, logger, signalOption);
    }
  }

  await client.request({ method: 'PATCH', path, body: { arePortResourcesInitialized: true, version: integration.version }, integration, retry: true, ...signalOption });
  return report;
}

async function createBlueprints(
  client: PortClient,
  integration: IntegrationIdentity,
  blueprints: BlueprintDefinition[],
  logger: PortLogger,
  signalOption: { signal?: AbortSignal },
): Promise<string[]> {
  const created: string[] = [];
  const stage = async (name: string, run: (blueprint: BlueprintDefinition) => Promise<unknown>): Promise<void> => {
    const results = await Promise.allSettled(blueprints.map(run));
    const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [`${blueprints[index]!.identifier}: ${describeError(result.reason)}`] : []));
    if (failures.length === 0) return;
    await rollBack(client, integration, created, logger, signalOption);
    throw new MarinaError('PORT_PROVISIONING_FAILED', `Creating default blueprints failed at the ${name} stage; created blueprints were removed.\n${failures.join('\n')}`, {
      details: { integration: integration.identifier, stage: name, failures },
    });
  };

  await stage('bare', async (blueprint) => {
    const response = await client.request({ method: 'POST', path: '/v1/blueprints', body: omit(blueprint, LINKING_KEYS), integration, retry: true, accept: [409], ...signalOption });
    // 409 after a retry is our own earlier attempt; before any attempt it cannot happen (checked).
    created.push(blueprint.identifier);
    return response;
  });
  await stage('relations', (blueprint) => {
    const withRelations = omit(blueprint, LINKING_KEYS);
    for (const key of RELATION_KEYS) if (blueprint[key] !== undefined) withRelations[key] = blueprint[key];
    return client.request({ method: 'PATCH', path: blueprintPath(blueprint.identifier), body: withRelations, integration, retry: true, ...signalOption });
  });
  await stage('full', (blueprint) => client.request({ method: 'PATCH', path: blueprintPath(blueprint.identifier), body: blueprint, integration, retry: true, ...signalOption }));
  logger.info({ blueprints: created }, 'Created the default blueprints');
  return created;
}

/** Deletes what this run created. Blueprints targeted by others go last, so retry in rounds. */
async function rollBack(client: PortClient, integration: IntegrationIdentity, created: string[], logger: PortLogger, signalOption: { signal?: AbortSignal }): Promise<void> {
  let remaining = [...created].reverse();
  for (let round = 0; remaining.length > 0 && round < created.length + 1; round++) {
    const left: string[] = [];
    for (const identifier of remaining) {
      try {
        await client.request({ method: 'DELETE', path: blueprintPath(identifier), integration, accept: [404], ...signalOption });
      } catch {
        left.push(identifier);
      }
    }
    if (left.length === remaining.length) break;
    remaining = left;
  }
  if (remaining.length > 0) logger.error({ blueprints: remaining }, 'Could not roll back some default blueprints');
}

function blueprintPath(identifier: string): string {
  return `/v1/blueprints/${encodeURIComponent(identifier)}`;
}

function omit(blueprint: BlueprintDefinition, keys: readonly string[]): BlueprintDefinition {
  const copy: BlueprintDefinition = { ...blueprint };
  for (const key of keys) delete copy[key];
  return copy;
}
