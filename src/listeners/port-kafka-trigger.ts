import { MarinaError } from '../errors.js';
import type { EventListener, ListenerContext } from '../sync/integration-runtime.js';
import { createKafkaListener, type KafkaListenerOptions } from './kafka-listener.js';
import { kafkaTopicsFor } from './kafka-message-filter.js';

/** Port's hosted brokers, Ocean's default. */
export const PORT_KAFKA_BROKERS = [
  'b-1-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196',
  'b-2-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196',
  'b-3-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196',
];

export interface KafkaTriggerSettings {
  /** Comma list, or a JSON array in a string (Ocean accepts both). @default Port's brokers */
  brokers?: string;
  /** `SASL_SSL` (default), `SASL_PLAINTEXT`, `SSL` or `PLAINTEXT`. */
  securityProtocol?: string;
  /** `SCRAM-SHA-512` (default) or `PLAIN`. */
  authenticationMechanism?: string;
  /** Authenticate with the credentials Port gives. @default true */
  kafkaSecurityEnabled?: boolean;
}

/** Consumer timings and connection settings passed through to the Kafka listener (tests shorten them). */
export type KafkaTuning = Pick<KafkaListenerOptions, 'consumer' | 'connection' | 'retryDelayMs'>;

/** Parses Ocean's `brokers` setting: `a:9092,b:9092` or `["a:9092","b:9092"]`. */
export function parseBrokers(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [...PORT_KAFKA_BROKERS];
  const text = value.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new MarinaError('CONFIG_INVALID', `eventListener.brokers looks like a JSON array but is not valid JSON: ${(error as Error).message}`, { details: { field: 'eventListener.brokers' } });
    }
    if (!Array.isArray(parsed) || !parsed.every((broker) => typeof broker === 'string' && broker !== '')) {
      throw new MarinaError('CONFIG_INVALID', 'eventListener.brokers must be a JSON array of "host:port" strings', { details: { field: 'eventListener.brokers' } });
    }
    return parsed as string[];
  }
  return text
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/**
 * The KAFKA listener as Ocean sets it up (ocean-behavior.md 6.2): the organization id and
 * feature flags from `GET /v1/organization` choose the topic, the credentials come from
 * `GET /v1/kafka-credentials`, the consumer group is `{orgId}.{type}.{identifier}`. A message for
 * this integration requests a resync; its offset is committed once the request is accepted.
 */
export function createPortKafkaTrigger(context: ListenerContext, settings: KafkaTriggerSettings = {}, tuning: KafkaTuning = {}): EventListener {
  const { client, integration } = context;
  let listener: ReturnType<typeof createKafkaListener> | undefined;

  return {
    type: 'KAFKA',
    resyncs: true,
    async start() {
      const brokers = parseBrokers(settings.brokers);
      const organization = await client.request<{ organization?: { id?: unknown; featureFlags?: unknown } }>({ method: 'GET', path: '/v1/organization', integration });
      const organizationId = organization.body.organization?.id;
      if (typeof organizationId !== 'string' || organizationId === '') {
        throw new MarinaError('PORT_RESPONSE_INVALID', 'Port answered GET /v1/organization without organization.id; the Kafka listener needs it for its topics and consumer group', {
          details: { integration: integration.identifier },
        });
      }
      const flags = organization.body.organization?.featureFlags;
      const topics = kafkaTopicsFor(organizationId, Array.isArray(flags) ? flags.filter((flag): flag is string => typeof flag === 'string') : []);
      const secured = settings.kafkaSecurityEnabled ?? true;
      const protocol = (settings.securityProtocol ?? 'SASL_SSL').toUpperCase();
      let sasl: KafkaListenerOptions['sasl'];
      if (secured) {
        const response = await client.request<{ credentials?: { username?: unknown; password?: unknown } }>({ method: 'GET', path: '/v1/kafka-credentials', integration });
        const { username, password } = response.body.credentials ?? {};
        if (typeof username !== 'string' || typeof password !== 'string') {
          throw new MarinaError('KAFKA_AUTH_FAILED', 'Port answered GET /v1/kafka-credentials without credentials.username and credentials.password', {
            details: { integration: integration.identifier },
          });
        }
        const mechanism = (settings.authenticationMechanism ?? 'SCRAM-SHA-512').toLowerCase();
        if (mechanism !== 'scram-sha-512' && mechanism !== 'plain') {
          throw new MarinaError('CONFIG_INVALID', `eventListener.authenticationMechanism must be SCRAM-SHA-512 or PLAIN, got ${settings.authenticationMechanism}`, {
            details: { integration: integration.identifier, field: 'eventListener.authenticationMechanism' },
          });
        }
        sasl = { mechanism, username, password };
      }
      listener = createKafkaListener({
        brokers,
        ssl: secured ? protocol === 'SASL_SSL' || protocol === 'SSL' : protocol === 'SSL',
        ...(sasl === undefined ? {} : { sasl }),
        organizationId,
        integration: { identifier: integration.identifier, type: integration.type },
        topics,
        logger: context.logger,
        ...tuning,
        onResyncRequested: (reason) => context.requestResync({ source: 'listener', reason: `Kafka ${reason.topic}/${reason.partition}@${reason.offset}` }).accepted,
      });
      await listener.start();
    },
    async stop() {
      const current = listener;
      listener = undefined;
      await current?.stop();
    },
  };
}
