/**
 * Marina's Port side: the HTTP client, the per-organization rate budget, ingestion (change
 * detection, bulk writes, reconciliation), live-event writes, provisioning and resync state.
 * It never imports the emulator; the two meet only over HTTP.
 */
export { createPortClient, PortHttpError, type PortClient, type PortClientOptions, type PortRequest, type PortResponse, type QueryValue } from './port-client.js';
export { createRateBudget, type BudgetJob, type RateBudget, type RateBudgetOptions, type RateBudgetSnapshot } from './rate-budget.js';
export { PORT_PUBLISHED_LIMITS, routeFamily, type RouteFamily, type RouteLimit } from './route-family.js';
export { createRetryPolicy, parseWaitHeader, type RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
export { createTokenCache, type AccessToken, type TokenCache } from './token-cache.js';
export { controlUserAgent, entityUserAgent, ownershipScope, type IntegrationIdentity, type UserAgentFeature } from './user-agent.js';
export { isSearchQuery, refKey, type EntityRef, type PortEntity, type SearchQuery } from './entity.js';
export { entityDigest } from './entity-digest.js';
export { BODY_MAX_BYTES, BULK_MAX_ENTITIES, planBatches } from './bulk-batches.js';
export { bulkUpsert, type UpsertFlags, type UpsertOutcome } from './bulk-upsert.js';
export { bulkDelete, BULK_DELETE_MAX, type BulkDeleteResult } from './bulk-delete.js';
export { listOwnedEntities, type ListedEntity } from './owned-entities.js';
export { orderByRelations } from './relation-order.js';
export { readBlueprint, type PortBlueprint } from './blueprints.js';
export { createEntityOwnership, type EntityOwnership } from './entity-ownership.js';
export { createOwnershipConflictReporter, type OwnershipConflict, type OwnershipConflictReporter, type OwnershipConflictReporterOptions } from './ownership-conflicts.js';
export { decideDeletion, DEFAULT_DELETION_THRESHOLD, type DeletionVerdict } from './deletion-gate.js';
export {
  createIngestionSession,
  type IngestionSession,
  type IngestionSessionOptions,
  type KindCounts,
  type MappingOptions,
  type ReconciliationReport,
  type ResyncOutcome,
  type UpsertSummary,
} from './ingestion-session.js';
export { deleteOwnedEntities, ownedEntitiesQuery, upsertLiveEntities } from './live-writes.js';
export { provisionIntegration, type ProvisionOptions, type ProvisionReport } from './provisioning.js';
export { loadPortResources, type BlueprintDefinition, type PortResources } from './port-resources.js';
export { nextResyncAt, reportResyncState, resyncStateBody, type ResyncStateUpdate, type ResyncStatus } from './resync-state.js';
export type { PortLogger } from './logger.js';
