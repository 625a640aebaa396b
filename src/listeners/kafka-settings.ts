/**
 * Turns an integration's KAFKA event-listener settings (Ocean's names and defaults, §6.2) plus
 * what Port says about the organization into the options `createKafkaListener` needs:
 * organization id and topics from `GET /v1/organization`, SASL credentials from
 * `GET /v1/kafka-credentials`. The Port call is injected (`get`), so this file knows Port's
 * response shapes but not how Marina talks to Port.
 *
 * One deliberate difference: with security disabled Ocean joins a group literally named
 * "no-security"; Marina keeps `{orgId}.{type}.{identifier}` (kafkaGroupId) so that integrations
 * hosted side by side never share, and steal each other's, partitions.
 */
import { MarinaError } from '../errors.js';
import type { KafkaListenerOptions } from './kafka-listener.js';
import { kafkaTopicsFor } from './kafka-message-filter.js';

/** Ocean's default: Port's public MSK cluster. */
export const DEFAULT_KAFKA_BROKERS = [
  'b-1-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196',
  'b-2-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196',
  'b-3-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196',
];

export interface KafkaListenerSettings {
  /** A comma list, a JSON array in a string (as Ocean accepts from env), or an array. */
  brokers?: string | string[];
  /** Default 'SASL_SSL'. */
  securityProtocol?: string;
  /** Default 'SCRAM-SHA-512'. */
  authenticationMechanism?: string;
  /** Default true: fetch credentials from Port and authenticate. */
  kafkaSecurityEnabled?: boolean;
}

export type ResolvedKafkaSettings = Pick<KafkaListenerOptions, 'brokers' | 'organizationId' | 'topics' | 'ssl' | 'sasl'>;

const invalid = (field: string, problem: string, value?: unknown) =>
  new MarinaError('CONFIG_INVALID', `eventListener.${field}: ${problem}`, {
    details: { field: `eventListener.${field}`, ...(value === undefined ? {} : { value }) },
  });

export function parseKafkaBrokers(value: string | string[] | undefined): string[] {
  if (value === undefined) return [...DEFAULT_KAFKA_BROKERS];
  let list: unknown = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      try {
        list = JSON.parse(trimmed);
      } catch {
        list = trimmed.split(',');
      }
    } else {
      list = trimmed.split(',');
    }
  }
  if (!Array.isArray(list)) throw invalid('brokers', 'expected a comma-separated list or an array of host:port', value);
  const brokers = list.map((b) => (typeof b === 'string' ? b.trim() : b)).filter((b) => b !== '');
  if (brokers.length === 0) throw invalid('brokers', 'no broker given', value);
  brokers.forEach((broker, index) => {
    if (typeof broker !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw invalid(`brokers[${index}]`, `"${String(broker)}" is not host:port`, broker);
    }
  });
  return brokers as string[];
}

const MECHANISMS: Record<string, 'scram-sha-512' | 'plain'> = { 'SCRAM-SHA-512': 'scram-sha-512', PLAIN: 'plain' };
const PROTOCOLS: Record<string, { ssl: boolean; sasl: boolean }> = {
  SASL_SSL: { ssl: true, sasl: true },
  SASL_PLAINTEXT: { ssl: false, sasl: true },
  SSL: { ssl: true, sasl: false },
  PLAINTEXT: { ssl: false, sasl: false },
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export async function resolveKafkaSettings(options: {
  settings: KafkaListenerSettings;
  /** GET a Port API path (e.g. '/v1/organization') and return the parsed JSON body. */
  get: (path: string) => Promise<unknown>;
}): Promise<ResolvedKafkaSettings> {
  const { settings, get } = options;
  const brokers = parseKafkaBrokers(settings.brokers);
  const securityEnabled = settings.kafkaSecurityEnabled ?? true;
  const protocolName = (settings.securityProtocol ?? 'SASL_SSL').toUpperCase();
  const protocol = PROTOCOLS[protocolName];
  if (!protocol) {
    throw invalid('securityProtocol', `"${settings.securityProtocol}" is not one of ${Object.keys(PROTOCOLS).join(', ')}`);
  }
  const mechanismName = (settings.authenticationMechanism ?? 'SCRAM-SHA-512').toUpperCase();
  const mechanism = MECHANISMS[mechanismName];
  if (securityEnabled && protocol.sasl && !mechanism) {
    throw invalid(
      'authenticationMechanism',
      `"${settings.authenticationMechanism}" is not supported (use ${Object.keys(MECHANISMS).join(' or ')})`,
    );
  }

  const organization = field(await get('/v1/organization'), 'organization');
  const organizationId = field(organization, 'id');
  if (typeof organizationId !== 'string' || organizationId === '') {
    throw new MarinaError('PORT_HTTP_ERROR', 'GET /v1/organization returned no organization.id', {
      details: { route: '/v1/organization' },
    });
  }
  const flags = field(organization, 'featureFlags');
  const featureFlags = Array.isArray(flags) ? flags.filter((f): f is string => typeof f === 'string') : [];

  const resolved: ResolvedKafkaSettings = {
    brokers,
    organizationId,
    topics: kafkaTopicsFor(organizationId, featureFlags),
    ssl: securityEnabled && protocol.ssl,
  };
  if (securityEnabled && protocol.sasl && mechanism) {
    const credentials = field(await get('/v1/kafka-credentials'), 'credentials');
    const username = field(credentials, 'username');
    const password = field(credentials, 'password');
    if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
      // Never echo the body: it may hold half a secret.
      throw new MarinaError(
        'KAFKA_CREDENTIALS_NOT_FOUND',
        'GET /v1/kafka-credentials returned no credentials.username / credentials.password',
        { details: { route: '/v1/kafka-credentials' } },
      );
    }
    resolved.sasl = { mechanism, username, password };
  }
  return resolved;
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}
