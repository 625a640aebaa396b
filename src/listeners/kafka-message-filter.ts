/**
 * Which Kafka messages from Port concern one integration, following Ocean's KAFKA listener
 * (ocean-behavior.md §6.2). Port publishes to org-scoped topics, so the organization is already
 * fixed by the topic; inside it, messages are matched on the integration identifier.
 */

/** Ocean's legacy topic, and the one it subscribes to by default. */
export const changeLogTopic = (organizationId: string): string => `${organizationId}.change.log`;

/** The topic Ocean uses when Port enables OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED. */
export const resyncRequestsTopic = (organizationId: string): string => `${organizationId}.integration.resync.requests`;

export const RESYNC_REQUESTS_TOPIC_FLAG = 'OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED';

/** Topics to subscribe to, chosen as Ocean chooses them from the organization's feature flags. */
export function kafkaTopicsFor(organizationId: string, featureFlags: readonly string[] = []): string[] {
  return featureFlags.includes(RESYNC_REQUESTS_TOPIC_FLAG)
    ? [resyncRequestsTopic(organizationId)]
    : [changeLogTopic(organizationId)];
}

/** Consumer group: one per integration, shared by every replica so only one of them handles a trigger. */
export const kafkaGroupId = (organizationId: string, integration: { type: string; identifier: string }): string =>
  `${organizationId}.${integration.type}.${integration.identifier}`;

export type KafkaMessageVerdict =
  | { trigger: true; reason: string }
  | { trigger: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);

/**
 * Decides whether a message should trigger a resync of `integration`.
 *
 * - resync-requests topic: `context.integrationId` names the integration.
 * - change.log topic: either an explicit request (`context.integrationId` and
 *   `action == "RESYNC"`), or an update of the integration itself (`diff.after.identifier`)
 *   whose `updatedAt` differs from its `resyncState.updatedAt` (a config change, not our own
 *   state report) while its changelog destination is KAFKA. Deletions (`after` null) never
 *   trigger.
 *
 * Ocean has read `changelogDestination` both at the message root and inside `diff.after`
 * across versions; either one saying KAFKA is accepted. One deliberate narrowing: when the
 * message names the integration's type (`diff.after.installationAppType`), it must match, so
 * two integrations of different types can never be confused.
 */
export function classifyKafkaMessage(
  topic: string,
  value: Buffer | string | null,
  integration: { identifier: string; type: string },
): KafkaMessageVerdict {
  if (value === null || value.length === 0) return { trigger: false, reason: 'empty message' };
  let message: unknown;
  try {
    message = JSON.parse(value.toString());
  } catch (error) {
    return { trigger: false, reason: `message is not JSON (${(error as Error).message})` };
  }
  if (!isObject(message)) return { trigger: false, reason: 'message is not a JSON object' };

  const contextIntegration = field(field(message, 'context'), 'integrationId');

  if (topic.endsWith('.integration.resync.requests')) {
    return contextIntegration === integration.identifier
      ? { trigger: true, reason: 'resync request for this integration' }
      : { trigger: false, reason: 'resync request for another integration' };
  }

  if (!topic.endsWith('.change.log')) return { trigger: false, reason: `topic "${topic}" is not a Port topic` };

  if (contextIntegration === integration.identifier && message.action === 'RESYNC') {
    return { trigger: true, reason: 'RESYNC action for this integration' };
  }

  const diff = field(message, 'diff');
  if (!isObject(diff) || !('after' in diff)) return { trigger: false, reason: 'no integration change in message' };
  const after = diff.after;
  if (after === null || after === undefined) return { trigger: false, reason: 'deletion (no "after" state)' };
  if (!isObject(after)) return { trigger: false, reason: '"diff.after" is not an object' };
  if (after.identifier !== integration.identifier) return { trigger: false, reason: 'change of another integration' };
  const appType = after.installationAppType;
  if (typeof appType === 'string' && appType !== integration.type) {
    return { trigger: false, reason: `change of a "${appType}" integration, not "${integration.type}"` };
  }
  if (after.updatedAt === field(after.resyncState, 'updatedAt')) {
    return { trigger: false, reason: 'resync state report, not a configuration change' };
  }
  const viaKafka = [message.changelogDestination, after.changelogDestination].some((d) => field(d, 'type') === 'KAFKA');
  if (!viaKafka) return { trigger: false, reason: 'changelog destination is not KAFKA' };
  return { trigger: true, reason: 'configuration change of this integration' };
}
