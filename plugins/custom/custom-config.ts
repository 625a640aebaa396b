import { CustomIntegrationError } from './custom-error.js';

export type AuthType = 'none' | 'bearer_token' | 'basic' | 'api_key' | 'custom';
export type PaginationType = 'none' | 'offset' | 'page' | 'cursor' | 'next_link' | 'header_link';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A query string as ordered pairs, so repeated keys (`?tag=a&tag=b`) survive. */
export type QueryPairs = [string, string][];

/** How to make the authentication request of `authType: custom`. */
export interface CustomAuthRequest {
  endpoint: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
  bodyForm: string | undefined;
  queryParams: Record<string, unknown>;
  /** Seconds one authentication is valid, when configured. */
  reauthenticateIntervalSeconds: number | undefined;
}

/** Where the authentication response's values go (`{{.path}}` placeholders). */
export interface CustomAuthTemplate {
  headers: Record<string, string>;
  queryParams: Record<string, unknown>;
  body: Record<string, unknown>;
}

export type AuthSettings =
  | { type: 'none' }
  | { type: 'bearer_token'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'api_key'; header: string; key: string }
  | { type: 'custom'; request: CustomAuthRequest; template: CustomAuthTemplate };

export interface PaginationSettings {
  type: PaginationType;
  pageSize: number;
  /** Query parameter of the page number, offset or cursor. */
  paginationParam: string;
  /** Query parameter of the page size. */
  sizeParam: string;
  /** Whether `sizeParam` was set by the operator (next_link and header_link only send it then). */
  sizeParamConfigured: boolean;
  startPage: number;
  cursorPath: string | undefined;
  hasMorePath: string | undefined;
  lastPagePath: string | undefined;
  nextLinkPath: string;
  headerLinkRel: string;
}

export interface WebhookSettings {
  path: string;
  kind: string;
  record: string;
  deleted: string;
  resourceKey: string | undefined;
  secret: string | undefined;
  signatureHeader: string | undefined;
  signatureAlgorithm: 'sha256' | 'sha1';
  signatureEncoding: 'hex' | 'base64';
  signaturePrefix: string;
  secretHeader: string | undefined;
  deliveryIdHeader: string | undefined;
}

/** The integration's config, checked and typed, with Ocean's defaults. */
export interface CustomSettings {
  /** The base URL without its query string. */
  baseUrl: string;
  /** Query parameters written into baseUrl (`https://canny.io/api/v1?apiKey=...`), sent with every request. */
  baseQuery: QueryPairs;
  auth: AuthSettings;
  pagination: PaginationSettings;
  timeoutMs: number;
  verifySsl: boolean;
  maxConcurrentRequests: number;
  customHeaders: Record<string, string>;
  webhook: WebhookSettings | undefined;
  /** Older setting names that were used, for a warning at start. */
  deprecatedNames: string[];
}

const DEFAULT_PARAMS: Record<PaginationType, { paginationParam: string; sizeParam: string }> = {
  none: { paginationParam: 'page', sizeParam: 'size' },
  offset: { paginationParam: 'offset', sizeParam: 'limit' },
  page: { paginationParam: 'page', sizeParam: 'size' },
  cursor: { paginationParam: 'cursor', sizeParam: 'limit' },
  next_link: { paginationParam: 'page', sizeParam: 'limit' },
  header_link: { paginationParam: 'page', sizeParam: 'per_page' },
};

const LEGACY_PARAM: Partial<Record<PaginationType, string>> = { offset: 'offsetParam', page: 'pageParam', cursor: 'cursorParam' };

function invalid(message: string): never {
  throw new CustomIntegrationError('CUSTOM_CONFIG_INVALID', message);
}

function text(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') invalid(`${key} must be a string, got ${JSON.stringify(value)}`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function number(config: Record<string, unknown>, key: string, fallback: number, rule: { integer: boolean; min: number }): number {
  const raw = text(config, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min) {
    invalid(`${key} must be ${rule.integer ? 'an integer' : 'a number'} of at least ${rule.min}, got ${JSON.stringify(config[key])}`);
  }
  return value;
}

function objectOf(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    try {
      return objectOf(JSON.parse(value), where);
    } catch {
      invalid(`${where} must be a JSON object, got ${JSON.stringify(value.slice(0, 80))}`);
    }
  }
  if (typeof value !== 'object' || Array.isArray(value)) invalid(`${where} must be an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(objectOf(value, where))) {
    if (item === null || item === undefined) continue;
    if (typeof item === 'object') invalid(`${where}.${key} must be a string, got ${JSON.stringify(item)}`);
    out[key] = String(item);
  }
  return out;
}

export function parseMethod(value: unknown, where: string, fallback: HttpMethod): HttpMethod {
  if (value === undefined || value === null || value === '') return fallback;
  const method = String(value).toUpperCase() as HttpMethod;
  if (!HTTP_METHODS.includes(method)) invalid(`${where} must be one of ${HTTP_METHODS.join(', ')}, got ${JSON.stringify(value)}`);
  return method;
}

/** Splits `https://host/api?key=v` into the URL without its query and the query's pairs. */
export function splitBaseUrl(raw: string): { baseUrl: string; baseQuery: QueryPairs } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid(`baseUrl must be an absolute URL such as https://api.example.com, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid(`baseUrl must be an http or https URL, got ${url.protocol}`);
  const baseQuery = [...url.searchParams.entries()];
  url.search = '';
  url.hash = '';
  return { baseUrl: url.href.replace(/\/+$/, ''), baseQuery };
}

function resolveAuth(config: Record<string, unknown>): AuthSettings {
  const type = (text(config, 'authType') ?? 'none') as AuthType;
  switch (type) {
    case 'none':
      return { type };
    case 'bearer_token': {
      const token = text(config, 'apiToken') ?? invalid('authType bearer_token needs apiToken');
      return { type, token };
    }
    case 'basic': {
      const username = text(config, 'username') ?? invalid('authType basic needs username');
      const password = typeof config['password'] === 'string' && config['password'] !== '' ? config['password'] : invalid('authType basic needs password');
      return { type, username, password };
    }
    case 'api_key': {
      const key = text(config, 'apiKey') ?? invalid('authType api_key needs apiKey');
      return { type, key, header: text(config, 'apiKeyHeader') ?? 'X-API-Key' };
    }
    case 'custom':
      return { type, request: resolveAuthRequest(config['customAuthRequest']), template: resolveAuthTemplate(config['customAuthRequestTemplate']) };
    default:
      return invalid(`authType must be one of none, bearer_token, basic, api_key, custom; got ${JSON.stringify(type)}`);
  }
}

function resolveAuthRequest(value: unknown): CustomAuthRequest {
  if (value === undefined || value === null) invalid("authType custom needs customAuthRequest (the authentication request: endpoint, method, headers, body or bodyForm)");
  const raw = objectOf(value, 'customAuthRequest');
  const endpoint = typeof raw['endpoint'] === 'string' && raw['endpoint'].trim() !== '' ? raw['endpoint'].trim() : invalid('customAuthRequest.endpoint must be a path or URL');
  const body = raw['body'] === undefined || raw['body'] === null ? undefined : objectOf(raw['body'], 'customAuthRequest.body');
  const bodyForm = raw['bodyForm'] === undefined || raw['bodyForm'] === null ? undefined : String(raw['bodyForm']);
  if (body !== undefined && Object.keys(body).length > 0 && bodyForm) invalid("customAuthRequest has both 'body' and 'bodyForm'; give one of them");
  const interval = raw['reauthenticateIntervalSeconds'] ?? raw['reauthenticate_interval_seconds'];
  let reauthenticateIntervalSeconds: number | undefined;
  if (interval !== undefined && interval !== null) {
    reauthenticateIntervalSeconds = Number(interval);
    if (!Number.isInteger(reauthenticateIntervalSeconds) || reauthenticateIntervalSeconds < 1) {
      invalid(`customAuthRequest.reauthenticateIntervalSeconds must be a whole number of seconds of at least 1, got ${JSON.stringify(interval)}`);
    }
  }
  return {
    endpoint,
    method: parseMethod(raw['method'], 'customAuthRequest.method', 'POST'),
    headers: stringMap(raw['headers'], 'customAuthRequest.headers'),
    body: body !== undefined && Object.keys(body).length > 0 ? body : undefined,
    bodyForm: bodyForm || undefined,
    queryParams: objectOf(raw['queryParams'], 'customAuthRequest.queryParams'),
    reauthenticateIntervalSeconds,
  };
}

function resolveAuthTemplate(value: unknown): CustomAuthTemplate {
  if (value === undefined || value === null) invalid('authType custom needs customAuthRequestTemplate (where the response values go, e.g. {"headers": {"Authorization": "Bearer {{.access_token}}"}})');
  const raw = objectOf(value, 'customAuthRequestTemplate');
  const template = {
    headers: stringMap(raw['headers'], 'customAuthRequestTemplate.headers'),
    queryParams: objectOf(raw['queryParams'], 'customAuthRequestTemplate.queryParams'),
    body: objectOf(raw['body'], 'customAuthRequestTemplate.body'),
  };
  if (Object.keys(template.headers).length + Object.keys(template.queryParams).length + Object.keys(template.body).length === 0) {
    invalid("customAuthRequestTemplate needs at least one of 'headers', 'queryParams' or 'body'");
  }
  return template;
}

function resolvePagination(config: Record<string, unknown>, deprecated: string[]): PaginationSettings {
  const type = (text(config, 'paginationType') ?? 'none') as PaginationType;
  if (!(type in DEFAULT_PARAMS)) invalid(`paginationType must be one of ${Object.keys(DEFAULT_PARAMS).join(', ')}; got ${JSON.stringify(type)}`);
  const legacyName = LEGACY_PARAM[type];
  const legacyParam = legacyName ? text(config, legacyName) : undefined;
  const legacySize = text(config, 'limitParam');
  for (const name of ['offsetParam', 'pageParam', 'cursorParam', 'limitParam']) if (text(config, name) !== undefined) deprecated.push(name);
  const sizeParam = text(config, 'sizeParam') ?? legacySize;
  return {
    type,
    pageSize: number(config, 'pageSize', 100, { integer: true, min: 1 }),
    paginationParam: text(config, 'paginationParam') ?? legacyParam ?? DEFAULT_PARAMS[type].paginationParam,
    sizeParam: sizeParam ?? DEFAULT_PARAMS[type].sizeParam,
    sizeParamConfigured: sizeParam !== undefined,
    startPage: number(config, 'startPage', 1, { integer: true, min: Number.MIN_SAFE_INTEGER }),
    cursorPath: text(config, 'cursorPath'),
    hasMorePath: text(config, 'hasMorePath'),
    lastPagePath: text(config, 'lastPagePath'),
    nextLinkPath: text(config, 'nextLinkPath') ?? '@odata.nextLink',
    headerLinkRel: text(config, 'headerLinkRel') ?? 'next',
  };
}

function resolveWebhook(config: Record<string, unknown>): WebhookSettings | undefined {
  const kind = text(config, 'webhookKind');
  const others = Object.keys(config).filter((key) => key.startsWith('webhook') && key !== 'webhookKind' && config[key] !== undefined);
  if (kind === undefined) {
    // Defaults are filled in by the schema; only settings the operator wrote count here.
    const written = others.filter((key) => !['webhookRecord', 'webhookDeleted', 'webhookPath', 'webhookSignatureAlgorithm', 'webhookSignatureEncoding', 'webhookSignaturePrefix'].includes(key));
    if (written.length > 0) invalid(`${written.join(', ')} ${written.length === 1 ? 'is' : 'are'} set but webhookKind is not: set webhookKind (jq: the kind an event is about) to enable live events`);
    return undefined;
  }
  const secret = typeof config['webhookSecret'] === 'string' && config['webhookSecret'] !== '' ? config['webhookSecret'] : undefined;
  const signatureHeader = text(config, 'webhookSignatureHeader');
  const secretHeader = text(config, 'webhookSecretHeader');
  if (signatureHeader && secretHeader) invalid('set webhookSignatureHeader (HMAC) or webhookSecretHeader (shared secret), not both');
  if ((signatureHeader || secretHeader) && secret === undefined) invalid(`${signatureHeader ? 'webhookSignatureHeader' : 'webhookSecretHeader'} needs webhookSecret`);
  if (secret !== undefined && !signatureHeader && !secretHeader) invalid('webhookSecret needs webhookSignatureHeader (HMAC of the body) or webhookSecretHeader (the secret itself in a header)');
  const path = text(config, 'webhookPath') ?? '/events';
  if (!path.startsWith('/')) invalid(`webhookPath must start with "/", got ${JSON.stringify(path)}`);
  const algorithm = text(config, 'webhookSignatureAlgorithm') ?? 'sha256';
  if (algorithm !== 'sha256' && algorithm !== 'sha1') invalid(`webhookSignatureAlgorithm must be sha256 or sha1, got ${JSON.stringify(algorithm)}`);
  const encoding = text(config, 'webhookSignatureEncoding') ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') invalid(`webhookSignatureEncoding must be hex or base64, got ${JSON.stringify(encoding)}`);
  return {
    path,
    kind,
    record: text(config, 'webhookRecord') ?? '.body',
    deleted: text(config, 'webhookDeleted') ?? 'false',
    resourceKey: text(config, 'webhookResourceKey'),
    secret,
    signatureHeader,
    signatureAlgorithm: algorithm,
    signatureEncoding: encoding,
    signaturePrefix: typeof config['webhookSignaturePrefix'] === 'string' ? config['webhookSignaturePrefix'] : '',
    secretHeader,
    deliveryIdHeader: text(config, 'webhookDeliveryIdHeader'),
  };
}

/**
 * Reads the integration's config (already checked against the schema by the host) into typed
 * settings, with Ocean's defaults, and the checks a schema cannot express.
 * @throws CustomIntegrationError `CUSTOM_CONFIG_INVALID` naming the setting.
 */
export function resolveCustomSettings(config: Record<string, unknown>): CustomSettings {
  const rawBase = text(config, 'baseUrl') ?? invalid('baseUrl is required: the base URL of your HTTP API, such as https://api.example.com');
  const deprecatedNames: string[] = [];
  const verifySsl = config['verifySsl'] === undefined ? true : config['verifySsl'] === true || String(config['verifySsl']).toLowerCase() === 'true';
  return {
    ...splitBaseUrl(rawBase),
    auth: resolveAuth(config),
    pagination: resolvePagination(config, deprecatedNames),
    timeoutMs: Math.round(number(config, 'timeout', 30, { integer: false, min: Number.MIN_VALUE }) * 1000),
    verifySsl,
    maxConcurrentRequests: number(config, 'maxConcurrentRequests', 10, { integer: true, min: 1 }),
    customHeaders: stringMap(config['customHeaders'], 'customHeaders'),
    webhook: resolveWebhook(config),
    deprecatedNames,
  };
}
