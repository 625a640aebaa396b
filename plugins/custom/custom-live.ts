import {
  defineLiveEventProcessor,
  verifyHmacSignature,
  verifySharedSecret,
  type LiveEvent,
  type LiveEventProcessor,
  type PluginLogger,
  type RawRecord,
} from '../../src/sdk/index.js';
import type { WebhookSettings } from './custom-config.js';
import { isObject } from './custom-dot-path.js';
import { compileJq, evaluateAll, evaluateFirstSync, prepareSync } from './custom-jq.js';

/**
 * Ocean Custom has no live events; this is Marina's generic webhook processor for it. Every
 * expression is jq over the delivery `{body, headers, query, params}` (header names lower-case):
 * `webhookKind` gives the kind (or kinds) the event is about, `webhookRecord` the record (or
 * array of records) in the shape a resync yields, `webhookDeleted` whether it was deleted, and
 * `webhookResourceKey` (over the record, default `.id`) the key events are ordered by.
 */
export async function createWebhookProcessor(settings: WebhookSettings, logger: PluginLogger): Promise<LiveEventProcessor> {
  const kindExpression = await compileJq(settings.kind, 'webhookKind', 'CUSTOM_CONFIG_INVALID');
  const recordExpression = await compileJq(settings.record, 'webhookRecord', 'CUSTOM_CONFIG_INVALID');
  const deletedExpression = await compileJq(settings.deleted, 'webhookDeleted', 'CUSTOM_CONFIG_INVALID');
  const keyExpression = await compileJq(settings.resourceKey ?? '.id', 'webhookResourceKey', 'CUSTOM_CONFIG_INVALID');
  // The resource key is read synchronously when the delivery arrives.
  await prepareSync([recordExpression, keyExpression]);
  if (settings.secret === undefined) logger.warn({ path: settings.path }, 'webhook events are accepted without a signature or secret: set webhookSecret with webhookSignatureHeader or webhookSecretHeader');

  const envelope = (event: LiveEvent) => ({ body: event.body, headers: event.headers, query: event.query, params: event.params });

  const kindsOf = async (event: LiveEvent): Promise<string[]> => {
    try {
      const outputs = await evaluateAll(kindExpression, envelope(event));
      return [...new Set(outputs.flatMap((output) => (Array.isArray(output) ? output : [output])).filter((kind): kind is string => typeof kind === 'string' && kind !== ''))];
    } catch (error) {
      logger.warn({ eventId: event.id, error: (error as Error).message }, 'webhookKind failed on an event: ignored');
      return [];
    }
  };

  const recordsSync = (event: LiveEvent): RawRecord[] => {
    const value = evaluateFirstSync(recordExpression, envelope(event));
    const records = Array.isArray(value) ? value : value === null ? [] : [value];
    return records.filter(isObject);
  };

  const processor: Parameters<typeof defineLiveEventProcessor>[0] = {
    name: 'custom-webhook',
    path: settings.path,
    handles: async (event) => (await kindsOf(event)).length > 0,
    kinds: kindsOf,
    authenticate: (event) => {
      if (settings.secret === undefined) return true;
      if (settings.signatureHeader !== undefined) {
        return verifyHmacSignature(event, {
          header: settings.signatureHeader,
          secret: settings.secret,
          algorithm: settings.signatureAlgorithm,
          encoding: settings.signatureEncoding,
          prefix: settings.signaturePrefix,
        });
      }
      return verifySharedSecret(event, settings.secretHeader!, settings.secret);
    },
    validate: (event) => {
      try {
        return recordsSync(event).length > 0;
      } catch {
        return false;
      }
    },
    resourceKey: (event) => {
      try {
        const [first] = recordsSync(event);
        const key = first === undefined ? null : evaluateFirstSync(keyExpression, first);
        if (key !== null) return typeof key === 'string' ? key : JSON.stringify(key);
      } catch {
        // falls through: without a key the event is ordered on its own
      }
      return `event:${event.id}`;
    },
    async handle(event) {
      const records = recordsSync(event);
      const deleted = (await evaluateAll(deletedExpression, envelope(event)))[0] === true;
      return deleted ? { updated: [], deleted: records } : { updated: records, deleted: [] };
    },
  };
  if (settings.deliveryIdHeader !== undefined) processor.deliveryIdHeader = settings.deliveryIdHeader.toLowerCase();
  return defineLiveEventProcessor(processor);
}
