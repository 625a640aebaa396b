/**
 * Marina's plugin SDK: the only module a plugin imports. It depends on nothing else in Marina,
 * so it can be published on its own.
 *
 * @packageDocumentation
 */
export {
  SDK_API_VERSION,
  defineIntegration,
  isDefinedIntegration,
  type DefinedIntegration,
  type IntegrationContext,
  type IntegrationDefinition,
  type IntegrationInstance,
  type JsonSchema,
} from './define-integration.js';
export type { KindSelector, RawPage, RawRecord, ResyncHandler, ResyncRequest } from './resync.js';
export {
  RetryableError,
  defineLiveEventProcessor,
  isLiveEventProcessor,
  isRetryableError,
  type LiveEvent,
  type LiveEventProcessor,
  type LiveEventRequest,
  type LiveEventResult,
  type LiveEventRetryPolicy,
} from './live.js';
export { constantTimeEqual, verifyBasicAuth, verifyHmacSignature, verifySharedSecret, type HmacSignatureOptions } from './webhook-auth.js';
export { SDK_BRANDS } from './brand.js';
export type { PluginCache } from './cache.js';
export type { PluginLogger } from './logger.js';
