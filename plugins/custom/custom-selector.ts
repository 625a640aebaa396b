import type { KindSelector } from '../../src/sdk/index.js';
import { parseMethod, type HttpMethod } from './custom-config.js';
import { isObject } from './custom-dot-path.js';
import { CustomIntegrationError } from './custom-error.js';
import { compileJq, type JqExpression } from './custom-jq.js';

/** Where a path parameter's values come from: another endpoint's records. */
export interface PathParameterSource {
  name: string;
  endpoint: string;
  method: HttpMethod;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  /** jq to the records of the discovery response; undefined: see `discoveryRecords`. */
  dataPath: JqExpression | undefined;
  /** jq giving the parameter's value from one record. */
  field: JqExpression;
  /** jq that must give `true` for a record's value to be used. */
  filter: JqExpression | undefined;
}

/** A resource block's selector, read and compiled. */
export interface EndpointSelector {
  /** The endpoint path: `selector.endpoint` when given, else the kind. May hold `{param}` placeholders. */
  endpoint: string;
  method: HttpMethod;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: unknown;
  /** jq to the records in each response; undefined when not given (a list response is the records). */
  dataPath: JqExpression | undefined;
  pathParameters: Map<string, PathParameterSource>;
  /** `/teams/{team_id}/members` gives `['team_id']`, in order. */
  placeholders: string[];
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** The `{name}` placeholders of an endpoint, in order, each once. */
export function placeholdersOf(endpoint: string): string[] {
  return [...new Set([...endpoint.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

function invalid(where: string, message: string): never {
  throw new CustomIntegrationError('CUSTOM_SELECTOR_INVALID', `${where}: ${message}`);
}

function objectField(selector: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const value = selector[key];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) invalid(where, `${key} must be a mapping, got ${JSON.stringify(value)}`);
  return value;
}

function headersField(selector: Record<string, unknown>, key: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(objectField(selector, key, where))) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') invalid(where, `${key}.${name} must be a string, got ${JSON.stringify(value)}`);
    out[name] = String(value);
  }
  return out;
}

async function optionalJq(value: unknown, where: string): Promise<JqExpression | undefined> {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') invalid(where, `must be a jq expression (a string), got ${JSON.stringify(value)}`);
  return compileJq(value, where);
}

/**
 * Reads a resource block's selector: `method`, `query_params`, `headers`, `body`, `data_path`,
 * `path_parameters` and the optional `endpoint` (which replaces the kind as the path).
 * @throws CustomIntegrationError `CUSTOM_SELECTOR_INVALID` naming the block and the field.
 */
export async function readEndpointSelector(kind: string, selector: KindSelector, resourceIndex: number): Promise<EndpointSelector> {
  const block = `resource ${resourceIndex} (kind ${kind})`;
  const raw = selector as Record<string, unknown>;
  const endpointValue = raw['endpoint'];
  if (endpointValue !== undefined && endpointValue !== null && typeof endpointValue !== 'string') invalid(`${block} selector.endpoint`, `must be a path, got ${JSON.stringify(endpointValue)}`);
  const endpoint = (typeof endpointValue === 'string' && endpointValue.trim() !== '' ? endpointValue : kind).trim();
  if (endpoint.replace(/^\/+/, '') === '') invalid(block, 'the endpoint is empty: the kind is the endpoint path, such as /api/v1/users');
  const method = parseMethodOr(raw['method'], `${block} selector.method`);
  const parameters = objectField(raw, 'path_parameters', `${block} selector`);
  const pathParameters = new Map<string, PathParameterSource>();
  for (const [name, value] of Object.entries(parameters)) {
    const where = `${block} selector.path_parameters.${name}`;
    if (!isObject(value)) invalid(where, `must be a mapping with endpoint and field, got ${JSON.stringify(value)}`);
    const source = value.endpoint;
    if (typeof source !== 'string' || source.trim() === '') invalid(where, 'needs endpoint: the path whose records give the values');
    if (typeof value.field !== 'string' || value.field.trim() === '') invalid(where, "needs field: jq giving the value from one record, such as '.id'");
    pathParameters.set(name, {
      name,
      endpoint: source.trim(),
      method: parseMethodOr(value.method, `${where}.method`),
      query: objectField(value, 'query_params', where),
      headers: headersField(value, 'headers', where),
      dataPath: await optionalJq(value.data_path, `${where}.data_path`),
      field: (await optionalJq(value.field, `${where}.field`))!,
      filter: await optionalJq(value.filter, `${where}.filter`),
    });
  }
  const placeholders = placeholdersOf(endpoint);
  for (const name of placeholders) {
    if (!pathParameters.has(name)) invalid(block, `the endpoint ${endpoint} has {${name}} but selector.path_parameters.${name} is missing (endpoint and field that give its values)`);
  }
  // A discovery endpoint may use the parameters resolved before it (nested resources).
  placeholders.forEach((name, position) => {
    const source = pathParameters.get(name)!;
    for (const used of placeholdersOf(source.endpoint)) {
      if (!placeholders.slice(0, position).includes(used)) {
        invalid(`${block} selector.path_parameters.${name}.endpoint`, `{${used}} is not a parameter resolved before ${name} (the endpoint's placeholders are resolved left to right)`);
      }
    }
  });
  const body = raw['body'];
  if (body !== undefined && body !== null && typeof body !== 'object') invalid(`${block} selector.body`, `must be a JSON object or array, got ${JSON.stringify(body)}`);
  return {
    endpoint,
    method,
    query: objectField(raw, 'query_params', `${block} selector`),
    headers: headersField(raw, 'headers', `${block} selector`),
    body: body ?? undefined,
    dataPath: await optionalJq(raw['data_path'], `${block} selector.data_path`),
    pathParameters,
    placeholders,
  };
}

function parseMethodOr(value: unknown, where: string): HttpMethod {
  try {
    return parseMethod(value, where, 'GET');
  } catch (error) {
    throw new CustomIntegrationError('CUSTOM_SELECTOR_INVALID', (error as Error).message);
  }
}
