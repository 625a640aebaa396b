import type { PluginLogger, RawRecord } from '../../src/sdk/index.js';
import type { CustomApi } from './custom-api.js';
import type { PaginationSettings } from './custom-config.js';
import { isObject } from './custom-dot-path.js';
import { evaluateFirstEach } from './custom-jq.js';
import { paginate } from './custom-pagination.js';
import { recordsOf } from './custom-records.js';
import { joinUrl, type ApiResponse } from './custom-request.js';
import type { EndpointSelector, PathParameterSource } from './custom-selector.js';

/** One concrete endpoint of a resource block, and the path parameter values that made it. */
export interface ResolvedEndpoint {
  /** The path with every `{param}` filled. */
  path: string;
  values: Record<string, string>;
}

export interface ResolveContext {
  api: CustomApi;
  baseUrl: string;
  pagination: PaginationSettings;
  logger: PluginLogger;
  signal: AbortSignal;
  /** `resource 2 (kind /teams/{team_id}/members)`, for messages. */
  block: string;
}

/** `{name}` in `template` replaced by the URL-encoded value (Ocean inserts it as is). */
export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? encodeURIComponent(values[name]!) : whole));
}

/**
 * The concrete endpoints of a resource block, streamed: the endpoint itself when it has no
 * placeholder; otherwise one per value its `path_parameters` discover, as the discovery pages
 * arrive (never the whole list at once). Placeholders are resolved left to right, and a later
 * parameter's discovery endpoint may use the earlier ones' values (`/orgs/{org}/repos/{repo}`),
 * which Ocean (first placeholder only) does not do.
 */
export async function* resolveEndpoints(selector: EndpointSelector, context: ResolveContext): AsyncGenerator<ResolvedEndpoint> {
  yield* resolveFrom(0, selector.endpoint, {}, selector, context);
}

async function* resolveFrom(position: number, path: string, values: Record<string, string>, selector: EndpointSelector, context: ResolveContext): AsyncGenerator<ResolvedEndpoint> {
  const name = selector.placeholders[position];
  if (name === undefined) {
    yield { path, values };
    return;
  }
  const source = selector.pathParameters.get(name)!;
  let found = 0;
  for await (const page of discoverValues(source, fillPlaceholders(source.endpoint, values), context)) {
    for (const value of page) {
      found++;
      yield* resolveFrom(position + 1, fillPlaceholders(path, { [name]: value }), { ...values, [name]: value }, selector, context);
    }
  }
  if (found === 0) context.logger.warn({ block: context.block, parameter: name, endpoint: source.endpoint }, 'path parameter discovery found no values: the endpoint is not called');
}

/** The values of one path parameter, one discovery page at a time. */
async function* discoverValues(source: PathParameterSource, endpoint: string, context: ResolveContext): AsyncGenerator<string[]> {
  const where = `${context.block} selector.path_parameters.${source.name}`;
  let warnedShape = false;
  const pages = paginate({
    api: context.api,
    settings: context.pagination,
    request: { method: source.method, url: joinUrl(context.baseUrl, endpoint), query: source.query, headers: source.headers },
    extract: async (response) => {
      if (source.dataPath !== undefined) return recordsOf(response, source.dataPath, `${where}.data_path`);
      const { records, from } = discoveryRecords(response);
      if (from !== undefined && !warnedShape) {
        warnedShape = true;
        context.logger.info({ block: context.block, parameter: source.name, dataPath: from }, 'path parameter without data_path: reading the records from the response\'s only array');
      }
      return records;
    },
    signal: context.signal,
    onRepeatedPage: (message) => context.logger.warn({ parameter: source.name }, message),
  });
  let failures = 0;
  for await (const records of pages) {
    const values: string[] = [];
    const fields = await evaluateFirstEach(source.field, records);
    const filters = source.filter ? await evaluateFirstEach(source.filter, records) : undefined;
    fields.forEach((field, i) => {
      const filter = filters?.[i];
      if (!field.ok || (filter !== undefined && !filter.ok)) {
        // As Ocean: a record the expressions fail on gives no value (logged, counted).
        if (failures++ < 5) context.logger.warn({ block: context.block, parameter: source.name, error: field.ok ? (filter as { error: string }).error : field.error }, 'path parameter field or filter failed on a record');
        return;
      }
      if (filter !== undefined && filter.value !== true) return;
      if (field.value === null) return;
      values.push(typeof field.value === 'string' ? field.value : JSON.stringify(field.value));
    });
    if (values.length > 0) yield values;
  }
  if (failures > 5) context.logger.warn({ block: context.block, parameter: source.name, failures }, 'path parameter field or filter failed on more records');
}

/**
 * Discovery records without a `data_path`: a list response's elements; an object response's only
 * array of objects (Zendesk's `{"tickets": [...], "next_page": ...}`), so Ocean's own Zendesk
 * example works; otherwise the object itself (Ocean's reading, which makes such examples find
 * nothing).
 */
function discoveryRecords(response: ApiResponse): { records: RawRecord[]; from?: string } {
  const body = response.body;
  if (Array.isArray(body)) return { records: body.filter(isObject) };
  if (!isObject(body)) return { records: [] };
  const arrays = Object.entries(body).filter(([, value]) => Array.isArray(value) && value.length > 0 && value.every(isObject));
  if (arrays.length === 1) return { records: arrays[0]![1] as RawRecord[], from: `.${arrays[0]![0]}` };
  return { records: [body] };
}
