import type { JsonSchema } from '../../src/sdk/index.js';

/**
 * The integration's config schema. It has every setting of Ocean Custom's `.port/spec.yaml`
 * (same names, types, defaults and sensitivity; a test holds the two together) and adds what
 * the spec leaves to prose or does not have:
 * - the `enum`s and the per-`authType` required settings of the spec's `dependencies`, so a
 *   missing token is reported by `marina validate`, not at the first request;
 * - `customHeaders`, a setting Ocean reads but does not declare;
 * - `offsetParam`, `pageParam`, `cursorParam`, `limitParam`: the older names Ocean's own example
 *   env files still use (aliases of `paginationParam` and `sizeParam`);
 * - the `webhook*` settings of Marina's generic live-event processor.
 *
 * `x-ocean-type` tells the host to apply Ocean's coercions (JSON strings for objects, no trailing
 * slash on URLs), as for a schema derived from a spec.
 */

const integerText = (description: string, pattern: string, defaultValue: string) => ({ type: 'string', pattern, default: defaultValue, description });
const POSITIVE_INTEGER = '^\\s*[1-9][0-9]*\\s*$';
const INTEGER = '^\\s*-?[0-9]+\\s*$';
const POSITIVE_NUMBER = '^\\s*(?:[1-9][0-9]*(?:\\.[0-9]+)?|0\\.[0-9]*[1-9][0-9]*)\\s*$';

const stringMap = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };

const customAuthRequestSchema = {
  type: 'object',
  'x-ocean-type': 'object',
  description: "How to make the authentication request when authType is 'custom'.",
  required: ['endpoint'],
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', minLength: 1, description: 'Path under baseUrl, or a full URL.' },
    method: { type: 'string', pattern: '^(GET|POST|PUT|PATCH|DELETE|get|post|put|patch|delete)$', default: 'POST' },
    headers: stringMap,
    body: { type: 'object', description: 'JSON body (not together with bodyForm).' },
    bodyForm: { type: 'string', description: 'Form-encoded body, such as grant_type=client_credentials&scope=read (not together with body).' },
    queryParams: { type: 'object' },
    reauthenticateIntervalSeconds: { type: 'integer', minimum: 1, description: 'How long one authentication is valid; renewed 60 s before it ends.' },
    reauthenticate_interval_seconds: { type: 'integer', minimum: 1, description: 'Same as reauthenticateIntervalSeconds.' },
  },
};

const customAuthRequestTemplateSchema = {
  type: 'object',
  'x-ocean-type': 'object',
  description: "Where the authentication response's values go in every request: {{.jq_path}} placeholders in headers, queryParams or body.",
  additionalProperties: false,
  properties: {
    headers: stringMap,
    queryParams: { type: 'object' },
    body: { type: 'object' },
  },
};

const requiredWhen = (authType: string, keys: string[]) => ({
  if: { properties: { authType: { const: authType } }, required: ['authType'] },
  then: { required: keys },
});

export const customConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl'],
  properties: {
    baseUrl: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\s]+',
      'x-ocean-type': 'url',
      description: 'The base URL of your HTTP API, for example: https://api.example.com',
    },
    authType: { type: 'string', enum: ['bearer_token', 'basic', 'api_key', 'none', 'custom'], default: 'none' },
    apiToken: { type: 'string', sensitive: true, description: 'Bearer token (authType bearer_token).' },
    username: { type: 'string', description: 'Username (authType basic).' },
    password: { type: 'string', sensitive: true, description: 'Password (authType basic).' },
    apiKey: { type: 'string', sensitive: true, description: 'API key (authType api_key).' },
    apiKeyHeader: { type: 'string', minLength: 1, default: 'X-API-Key', description: 'Header carrying apiKey.' },
    paginationType: { type: 'string', enum: ['offset', 'page', 'cursor', 'next_link', 'header_link', 'none'], default: 'none' },
    pageSize: integerText('Items per page.', POSITIVE_INTEGER, '100'),
    paginationParam: { type: 'string', minLength: 1, description: 'Query parameter of the page, offset or cursor.' },
    sizeParam: { type: 'string', minLength: 1, description: 'Query parameter of the page size.' },
    startPage: integerText('First page number (page pagination).', INTEGER, '1'),
    cursorPath: { type: 'string', minLength: 1, description: 'Dot path of the next cursor in the response.' },
    hasMorePath: { type: 'string', minLength: 1, description: 'Dot path of a field saying more pages exist.' },
    lastPagePath: { type: 'string', minLength: 1, description: 'Dot path of a field saying this is the last page.' },
    nextLinkPath: { type: 'string', minLength: 1, default: '@odata.nextLink', description: 'Path of the next page URL in the response (next_link).' },
    headerLinkRel: { type: 'string', minLength: 1, default: 'next', description: 'rel of the next page in the Link header (header_link).' },
    timeout: integerText('Request timeout in seconds.', POSITIVE_NUMBER, '30'),
    verifySsl: { type: 'boolean', default: true },
    maxConcurrentRequests: integerText('Requests in flight at once.', POSITIVE_INTEGER, '10'),
    customAuthRequest: customAuthRequestSchema,
    customAuthRequestTemplate: customAuthRequestTemplateSchema,
    customHeaders: { ...stringMap, 'x-ocean-type': 'object', description: 'Headers sent with every request.' },
    offsetParam: { type: 'string', minLength: 1, description: 'Older name of paginationParam (offset).' },
    pageParam: { type: 'string', minLength: 1, description: 'Older name of paginationParam (page).' },
    cursorParam: { type: 'string', minLength: 1, description: 'Older name of paginationParam (cursor).' },
    limitParam: { type: 'string', minLength: 1, description: 'Older name of sizeParam.' },
    webhookKind: { type: 'string', minLength: 1, description: 'jq over {body, headers, query, params}: the kind (or kinds) a webhook event is about. Enables live events.' },
    webhookRecord: { type: 'string', minLength: 1, default: '.body', description: 'jq: the record (or array of records) an event carries.' },
    webhookDeleted: { type: 'string', minLength: 1, default: 'false', description: 'jq: true when the record was deleted.' },
    webhookResourceKey: { type: 'string', minLength: 1, description: 'jq over the record: the key events are ordered by (default .id).' },
    webhookPath: { type: 'string', pattern: '^/', default: '/events', description: 'Path under /integrations/<id>/webhook.' },
    webhookSecret: { type: 'string', minLength: 1, sensitive: true, description: 'Secret of the HMAC signature or of the shared-secret header.' },
    webhookSignatureHeader: { type: 'string', minLength: 1, description: 'Header with an HMAC of the raw body.' },
    webhookSignatureAlgorithm: { type: 'string', enum: ['sha256', 'sha1'], default: 'sha256' },
    webhookSignatureEncoding: { type: 'string', enum: ['hex', 'base64'], default: 'hex' },
    webhookSignaturePrefix: { type: 'string', default: '', description: "Text before the digest, such as 'sha256='." },
    webhookSecretHeader: { type: 'string', minLength: 1, description: 'Header that must carry webhookSecret as is.' },
    webhookDeliveryIdHeader: { type: 'string', minLength: 1, description: "Header with the sender's delivery id (redeliveries are handled once)." },
  },
  allOf: [
    requiredWhen('bearer_token', ['apiToken']),
    requiredWhen('basic', ['username', 'password']),
    requiredWhen('api_key', ['apiKey']),
    requiredWhen('custom', ['customAuthRequest', 'customAuthRequestTemplate']),
  ],
};
