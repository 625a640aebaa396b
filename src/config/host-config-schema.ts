/**
 * The JSON Schema of `config/marina.yaml`. Unknown keys are errors everywhere except inside an
 * integration's `config`, which its plugin's own schema checks. Defaults live here so that the
 * schema is the one reference for what an omitted key means.
 */

export const EVENT_LISTENER_TYPES = ['POLLING', 'KAFKA', 'WEBHOOK', 'ONCE', 'WEBHOOKS_ONLY', 'ACTIONS_ONLY'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** Identifiers end up in URLs (`/integrations/<id>/webhook`), metric labels and Port. */
export const IDENTIFIER_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';

const eventListener = {
  type: 'object',
  default: { type: 'POLLING' },
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: [...EVENT_LISTENER_TYPES] },
    // POLLING
    resyncOnStart: { type: 'boolean' },
    interval: { type: 'integer', minimum: 1 },
    // KAFKA
    brokers: { type: 'string' },
    securityProtocol: { type: 'string' },
    authenticationMechanism: { type: 'string' },
    kafkaSecurityEnabled: { type: 'boolean' },
    consumerPollTimeout: { type: 'number', exclusiveMinimum: 0 },
    // WEBHOOK
    appHost: { type: 'string', sensitive: true },
  },
} as const;

/** The embedded local Port (the emulator): where it listens and its `/v1` credentials. */
const embeddedPort = {
  type: 'object',
  additionalProperties: false,
  dependencies: { clientId: ['clientSecret'], clientSecret: ['clientId'] },
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    // 0: a free port, different at every start.
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 0 },
    // Without them, a random pair at every start.
    clientId: { type: 'string', minLength: 1, sensitive: true },
    clientSecret: { type: 'string', minLength: 1, sensitive: true },
  },
} as const;

/** Port's EU region; `https://api.us.getport.io` is the US one. */
export const DEFAULT_PORT_BASE_URL = 'https://api.getport.io';

const mapping = {
  type: 'object',
  default: { source: 'port' },
  additionalProperties: false,
  properties: {
    source: { enum: ['port', 'file'] },
    file: { type: 'string', minLength: 1 },
  },
} as const;

const integration = {
  type: 'object',
  required: ['identifier', 'type'],
  additionalProperties: false,
  properties: {
    identifier: { type: 'string', pattern: IDENTIFIER_PATTERN },
    type: { type: 'string', pattern: '^[a-z0-9]+(?:[-_][a-z0-9]+)*$' },
    enabled: { type: 'boolean', default: true },
    config: { type: 'object', default: {} },
    eventListener,
    scheduledResyncInterval: { type: ['integer', 'null'], minimum: 1, default: null },
    initializePortResources: { type: 'boolean', default: true },
    // Ocean's allow_environment_variables_jq_access. Off by default here (Ocean: on), because
    // the daemon's environment holds every integration's secrets.
    allowEnvironmentVariablesJqAccess: { type: 'boolean', default: false },
    mapping,
    // Sharding (`marina start --shard i/N`): the shard that runs this integration; without it,
    // a hash of the identifier decides (src/config/shard.ts).
    shard: { type: 'integer', minimum: 0 },
  },
} as const;

export const hostConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8000 },
        // Where third parties reach this server (behind a proxy or load balancer); plugins use it
        // to register their webhooks. Ocean's OCEAN__BASE_URL.
        publicUrl: { type: 'string', pattern: '^https?://[^/?#\\s]+' },
      },
    },
    log: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        level: { enum: [...LOG_LEVELS], default: 'info' },
        // auto: human-readable lines on a terminal, JSON lines elsewhere.
        format: { enum: [...LOG_FORMATS], default: 'auto' },
      },
    },
    // A real Port organization (`clientId`, `clientSecret`, `baseUrl` defaulting to
    // DEFAULT_PORT_BASE_URL), or `embedded` settings for the local Port run when there is none.
    port: {
      type: 'object',
      additionalProperties: false,
      properties: {
        baseUrl: { type: 'string', pattern: '^https?://' },
        clientId: { type: 'string', minLength: 1, sensitive: true },
        clientSecret: { type: 'string', minLength: 1, sensitive: true },
        embedded: embeddedPort,
      },
      if: { required: ['embedded'] },
      else: { required: ['clientId', 'clientSecret'] },
    },
    plugins: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        directories: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
        watch: { type: 'boolean', default: true },
        debounceMs: { type: 'integer', minimum: 0, maximum: 60000, default: 300 },
        setupTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 60 },
      },
    },
    dataDir: { type: 'string', minLength: 1 },
    shutdown: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: { timeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 10 } },
    },
    resync: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        maxConcurrent: { type: 'integer', minimum: 1, default: 4 },
        pageTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 300 },
        // A progress line per running kind this often while a resync runs.
        progressLogSeconds: { type: 'number', exclusiveMinimum: 0, default: 30 },
      },
    },
    live: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        concurrency: { type: 'integer', minimum: 1, default: 32 },
        dedupeMinutes: { type: 'number', exclusiveMinimum: 0, default: 10 },
        bodyLimitBytes: { type: 'integer', minimum: 1, default: 5 * 1024 * 1024 },
      },
    },
    integrations: { type: 'array', items: integration, default: [] },
  },
} as const;
