import type { EventListenerConfig } from '../config/host-config.js';
import type { EventListener, ListenerContext } from '../sync/integration-runtime.js';
import type { SchedulerClock } from '../sync/schedule-clock.js';
import { createPollingListener } from './polling-listener.js';
import { createPortKafkaTrigger, type KafkaTuning } from './port-kafka-trigger.js';

export interface ListenerTuning {
  /** Overrides the POLLING interval (seconds in the config), for tests. */
  pollIntervalMs?: number;
  clock?: SchedulerClock;
  kafka?: KafkaTuning;
}

/**
 * Builds the listener an integration's `eventListener` config names:
 * - POLLING: polls Port's resync requests (see polling-listener.ts).
 * - KAFKA: consumes Port's change topics (see port-kafka-trigger.ts).
 * - WEBHOOK: Port calls `POST /integrations/:id/resync`; the route asks the runtime directly,
 *   so the listener itself only enables resyncs.
 * - ONCE: one resync at start (`marina sail --once` runs every integration this way).
 * - WEBHOOKS_ONLY, ACTIONS_ONLY: no resyncs at all, not even scheduled ones.
 */
export function createEventListener(config: EventListenerConfig, context: ListenerContext, tuning: ListenerTuning = {}): EventListener {
  switch (config.type) {
    case 'POLLING':
      return createPollingListener(context, {
        ...(config.resyncOnStart === undefined ? {} : { resyncOnStart: config.resyncOnStart }),
        intervalMs: tuning.pollIntervalMs ?? (config.interval ?? 60) * 1000,
        ...(tuning.clock ? { clock: tuning.clock } : {}),
      });
    case 'KAFKA':
      return createPortKafkaTrigger(
        context,
        {
          ...(config.brokers === undefined ? {} : { brokers: config.brokers }),
          ...(config.securityProtocol === undefined ? {} : { securityProtocol: config.securityProtocol }),
          ...(config.authenticationMechanism === undefined ? {} : { authenticationMechanism: config.authenticationMechanism }),
          ...(config.kafkaSecurityEnabled === undefined ? {} : { kafkaSecurityEnabled: config.kafkaSecurityEnabled }),
        },
        {
          ...tuning.kafka,
          ...(config.consumerPollTimeout === undefined ? {} : { consumer: { maxWaitTimeMs: config.consumerPollTimeout * 1000, ...tuning.kafka?.consumer } }),
        },
      );
    case 'WEBHOOK':
      return passiveListener('WEBHOOK', true);
    case 'ONCE':
      return {
        type: 'ONCE',
        resyncs: true,
        async start() {
          context.requestResync({ source: 'listener', reason: 'ONCE event listener' });
        },
        async stop() {},
      };
    case 'WEBHOOKS_ONLY':
    case 'ACTIONS_ONLY':
      return passiveListener(config.type, false);
  }
}

function passiveListener(type: string, resyncs: boolean): EventListener {
  return { type, resyncs, async start() {}, async stop() {} };
}

/**
 * What Port is told about where to send resync triggers (the integration's
 * `changelogDestination`, Ocean 6): Kafka, or the webhook URL under `appHost`.
 */
export function changelogDestination(config: EventListenerConfig, identifier: string): Record<string, unknown> {
  if (config.type === 'KAFKA') return { type: 'KAFKA' };
  if (config.type === 'WEBHOOK' && config.appHost !== undefined) {
    return { type: 'WEBHOOK', url: `${config.appHost.replace(/\/+$/, '')}/integrations/${encodeURIComponent(identifier)}/resync` };
  }
  return {};
}
