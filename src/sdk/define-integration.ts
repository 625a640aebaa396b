import type { Got } from 'got';
import { brand, hasBrand, SDK_BRANDS } from './brand.js';
import type { PluginCache } from './cache.js';
import type { LiveEventProcessor } from './live.js';
import type { PluginLogger } from './logger.js';
import type { ResyncHandler } from './resync.js';

/** The version of the plugin contract this SDK defines. The host refuses other versions. */
export const SDK_API_VERSION = 1;

/** A JSON Schema (draft 2020-12 or draft-07) describing a plugin's configuration. */
export type JsonSchema = Record<string, unknown>;

/** Everything the host gives an integration when it sets it up. */
export interface IntegrationContext<TConfig = Record<string, unknown>> {
  /** The integration's identifier from the host config, unique in the host. */
  identifier: string;
  /** The plugin type (the plugin's folder name). */
  type: string;
  /**
   * The integration's configuration, validated against the plugin's schema with defaults
   * applied. Keys are as declared in `.port/spec.yaml` (camelCase).
   */
  config: TConfig;
  /** A logger bound to this integration; sensitive config values are redacted. */
  logger: PluginLogger;
  /**
   * An HTTP client (got) with retries on transient failures (408, 429, 5xx, connection
   * errors, honouring Retry-After), timeouts, and the host's proxy settings
   * (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). Extend it per API with `http.extend({...})`.
   */
  http: Got;
  /** Fires when the integration is stopped (shutdown, hot reload, removal). */
  signal: AbortSignal;
  /** A cache private to this integration. */
  cache: PluginCache;
  /**
   * A directory private to this integration, for state that must survive restarts (such as an
   * HTTP conditional-request cache): `<host dataDir>/integrations/<identifier>`. The host
   * creates it with mode 0700 before `setup` runs; its content is kept across restarts and
   * reloads. Write files with mode 0600. Never shared with another integration.
   * Absent only in contexts built by hand (tests); the Marina host always sets it.
   */
  dataDir?: string;
  /**
   * The public URL under which the third party reaches this integration's live-event
   * processors: `<server.publicUrl>/integrations/<identifier>/webhook`, so a processor at
   * path `/github` is at `${webhookBaseUrl}/github`. Use it to register webhooks with the third
   * party at start. Undefined when the operator configured no public URL (`server.publicUrl`,
   * or Ocean's `OCEAN__BASE_URL`); then do not register anything.
   */
  webhookBaseUrl?: string;
}

/** What `setup` returns: the integration's behaviour. */
export interface IntegrationInstance {
  /**
   * Resync handlers by kind. The key `*` is a catch-all used for kinds without their own
   * handler. A kind in the mapping with neither is a kind error (and blocks deletions).
   */
  resync: Record<string, ResyncHandler>;
  /** Live-event processors, served under `/integrations/<identifier>/webhook`. */
  live?: LiveEventProcessor[];
  /** Releases what `setup` acquired. Called once, after in-flight work has stopped. */
  close?(): void | Promise<void>;
}

/** What a plugin author declares. */
export interface IntegrationDefinition<TConfig = Record<string, unknown>> {
  /** The plugin type: kebab-case, equal to the plugin's folder name under `plugins/`. */
  type: string;
  /** The plugin's version, reported to Port. @default the `version` in `.port/spec.yaml`, else '0.0.0' */
  version?: string;
  /**
   * JSON Schema of the configuration. When omitted, the host derives it from the
   * `configurations` list of `.port/spec.yaml`, as Ocean does.
   */
  configSchema?: JsonSchema;
  /** Kinds the plugin can resync, for listing and validation. @default the keys of `resync` */
  kinds?: readonly string[];
  /**
   * Builds the integration for one configured instance. Called once per integration that
   * uses this plugin; may be called again on hot reload. Throwing marks that integration
   * failed; others keep running.
   */
  setup(context: IntegrationContext<TConfig>): IntegrationInstance | Promise<IntegrationInstance>;
}

/** A checked integration definition, as `defineIntegration` returns it. */
export interface DefinedIntegration<TConfig = Record<string, unknown>> extends IntegrationDefinition<TConfig> {
  /** The SDK contract version the plugin was built against. */
  readonly apiVersion: typeof SDK_API_VERSION;
}

const TYPE_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

/**
 * Declares an integration plugin. The plugin's `index.ts` default-exports the result.
 *
 * The result is frozen and branded with `Symbol.for('marina.sdk.integration')`, so the host
 * recognises it even when the plugin uses another copy of the SDK than the host (see
 * {@link isDefinedIntegration}).
 *
 * @example
 * export default defineIntegration<{ token: string }>({
 *   type: 'acme',
 *   async setup({ config, http }) {
 *     const api = http.extend({ prefixUrl: 'https://api.acme.test', headers: { authorization: `Bearer ${config.token}` } });
 *     return {
 *       resync: {
 *         async *service({ signal }) {
 *           yield await api.get('services', { signal }).json<Record<string, unknown>[]>();
 *         },
 *       },
 *     };
 *   },
 * });
 *
 * @throws TypeError when `type` is not kebab-case or `setup` is not a function.
 */
export function defineIntegration<TConfig = Record<string, unknown>>(
  definition: IntegrationDefinition<TConfig>,
): DefinedIntegration<TConfig> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(`Expected the integration definition to be an object, got \`${String(definition)}\` (${typeof definition})`);
  }
  if (typeof definition.type !== 'string' || !TYPE_PATTERN.test(definition.type)) {
    throw new TypeError(`Expected \`type\` to be a kebab-case string, got \`${String(definition.type)}\` (${typeof definition.type})`);
  }
  if (typeof definition.setup !== 'function') {
    throw new TypeError(`Expected \`setup\` to be a function, got \`${String(definition.setup)}\` (${typeof definition.setup})`);
  }
  if (definition.kinds !== undefined && !(Array.isArray(definition.kinds) && definition.kinds.every((k) => typeof k === 'string'))) {
    throw new TypeError('Expected `kinds` to be an array of strings');
  }
  const defined: DefinedIntegration<TConfig> = { ...definition, apiVersion: SDK_API_VERSION };
  return Object.freeze(brand(defined, SDK_BRANDS.integration));
}

/**
 * Whether `value` is a `defineIntegration` result, from this copy of the SDK or any other: it
 * checks the `Symbol.for('marina.sdk.integration')` brand, not the prototype or identity.
 */
export function isDefinedIntegration(value: unknown): value is DefinedIntegration {
  return hasBrand(value, SDK_BRANDS.integration);
}
