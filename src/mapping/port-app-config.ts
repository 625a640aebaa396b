import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { MarinaError } from '../errors.js';
import type { PortAppConfig, ResourceConfig } from './types.js';

/**
 * Loads and validates a port-app-config exactly as Ocean's pydantic models accept it: the
 * code's defaults (not the docs'), unknown keys ignored, plugin-specific selector fields kept,
 * and pydantic v1's string coercion of jq fields (YAML `5` → `"5"`, `true` → `"True"`, which is
 * not valid jq and so maps to null, as in Ocean).
 */

const searchQuery = {
  type: 'object',
  required: ['combinator', 'rules'],
  properties: {
    combinator: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        anyOf: [
          { $ref: '#/$defs/searchQuery' },
          {
            type: 'object',
            required: ['property', 'operator', 'value'],
            properties: { property: { type: 'string' }, operator: { type: 'string' }, value: { type: 'string' } },
          },
        ],
      },
    },
  },
} as const;

const schema = {
  $defs: { searchQuery },
  type: 'object',
  properties: {
    deleteDependentEntities: { type: 'boolean' },
    createMissingRelatedEntities: { type: 'boolean' },
    enableMergeEntity: { type: 'boolean' },
    entityDeletionThreshold: { type: 'number', minimum: 0, maximum: 1 },
    resources: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'selector', 'port'],
        properties: {
          kind: { type: 'string' },
          selector: {
            type: 'object',
            required: ['query'],
            properties: { query: { type: 'string' }, exportEnvVariables: { type: 'array', items: { type: 'string' } } },
          },
          port: {
            type: 'object',
            required: ['entity'],
            properties: {
              entity: {
                type: 'object',
                required: ['mappings'],
                properties: {
                  mappings: {
                    type: 'object',
                    required: ['identifier', 'blueprint'],
                    properties: {
                      identifier: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/searchQuery' }] },
                      blueprint: { type: 'string' },
                      title: { type: 'string' },
                      icon: { type: 'string' },
                      team: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/searchQuery' }] },
                      properties: { type: 'object', additionalProperties: { type: 'string' } },
                      relations: {
                        type: 'object',
                        additionalProperties: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/searchQuery' }] },
                      },
                    },
                  },
                },
              },
              itemsToParse: { type: 'string' },
              itemsToParseName: { type: 'string' },
              itemsToParseTopLevelTransform: { type: 'boolean' },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** Where each jq string may sit, relative to a resource; other values are left untouched. */
function coerceJqString(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return value;
}

function coerceSearchQuery(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return coerceJqString(value);
  const q = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...q };
  for (const k of ['combinator', 'property', 'operator', 'value']) if (k in out) out[k] = coerceJqString(out[k]);
  if (Array.isArray(q.rules)) out.rules = q.rules.map(coerceSearchQuery);
  return out;
}

function dropNulls(o: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) if (o[k] === null) delete o[k];
}

function normaliseResource(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const r = { ...(raw as Record<string, unknown>) };
  if (typeof r.selector === 'object' && r.selector !== null && !Array.isArray(r.selector)) {
    const selector = { ...(r.selector as Record<string, unknown>) };
    selector.query = coerceJqString(selector.query);
    r.selector = selector;
  }
  if (typeof r.port === 'object' && r.port !== null && !Array.isArray(r.port)) {
    const port = { ...(r.port as Record<string, unknown>) };
    dropNulls(port, ['itemsToParse', 'itemsToParseName', 'itemsToParseTopLevelTransform']);
    if ('itemsToParse' in port) port.itemsToParse = coerceJqString(port.itemsToParse);
    const entity = port.entity as Record<string, unknown> | undefined;
    if (typeof entity === 'object' && entity !== null && typeof entity.mappings === 'object' && entity.mappings !== null) {
      const m = { ...(entity.mappings as Record<string, unknown>) };
      dropNulls(m, ['title', 'icon', 'team', 'properties', 'relations']);
      for (const k of ['identifier', 'team']) if (k in m) m[k] = coerceSearchQuery(m[k]);
      for (const k of ['blueprint', 'title', 'icon']) if (k in m) m[k] = coerceJqString(m[k]);
      if (typeof m.properties === 'object' && m.properties !== null && !Array.isArray(m.properties)) {
        m.properties = Object.fromEntries(Object.entries(m.properties).map(([k, v]) => [k, coerceJqString(v)]));
      }
      if (typeof m.relations === 'object' && m.relations !== null && !Array.isArray(m.relations)) {
        m.relations = Object.fromEntries(Object.entries(m.relations).map(([k, v]) => [k, coerceSearchQuery(v)]));
      }
      port.entity = { ...entity, mappings: m };
    }
    r.port = port;
  }
  return r;
}

function pickMappings(m: Record<string, unknown>): ResourceConfig['port']['entity']['mappings'] {
  const out: Record<string, unknown> = { identifier: m.identifier, blueprint: m.blueprint };
  for (const k of ['title', 'icon', 'team', 'properties', 'relations']) if (k in m) out[k] = m[k];
  return out as unknown as ResourceConfig['port']['entity']['mappings'];
}

function toResource(raw: Record<string, unknown>): ResourceConfig {
  const port = raw.port as Record<string, unknown>;
  const entity = port.entity as Record<string, unknown>;
  const resource: ResourceConfig = {
    kind: raw.kind as string,
    selector: raw.selector as ResourceConfig['selector'],
    port: {
      entity: { mappings: pickMappings(entity.mappings as Record<string, unknown>) },
      itemsToParseName: (port.itemsToParseName as string | undefined) ?? 'item',
      itemsToParseTopLevelTransform: (port.itemsToParseTopLevelTransform as boolean | undefined) ?? true,
    },
  };
  if (typeof port.itemsToParse === 'string') resource.port.itemsToParse = port.itemsToParse;
  return resource;
}

/** `/resources/2/port/entity/mappings/identifier` → `resources[2].port.entity.mappings.identifier`. */
function formatPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`), '');
}

export interface MappingProblem {
  /** Resource index in `resources`, when the problem is inside one. */
  resourceIndex?: number;
  /** Field path such as `resources[2].port.entity.mappings.identifier`. */
  path: string;
  message: string;
  line?: number;
}

function describeAjvErrors(errors: ErrorObject[]): { pointer: string; message: string }[] {
  // anyOf failures repeat themselves once per branch; keep one line per location.
  const seen = new Map<string, string>();
  for (const e of errors) {
    let pointer = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      pointer = `${pointer}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'anyOf') {
      message = 'must be a jq string or a search-query object ({combinator, rules})';
    } else if (e.keyword === 'additionalProperties' && 'additionalProperty' in e.params) {
      pointer = `${pointer}/${(e.params as { additionalProperty: string }).additionalProperty}`;
    }
    if (!seen.has(pointer) || e.keyword === 'anyOf') seen.set(pointer, message);
  }
  return [...seen].map(([pointer, message]) => ({ pointer, message }));
}

/**
 * Parses port-app-config YAML (or JSON) text. Throws `MAPPING_PARSE_FAILED` for unreadable YAML
 * and `MAPPING_INVALID` listing every problem with its resource index, field path and line.
 */
export function parsePortAppConfig(text: string, source: string): PortAppConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0].line;
    throw new MarinaError('MAPPING_PARSE_FAILED', `${source}${line ? `:${line}` : ''}: invalid YAML: ${first.message.split('\n')[0]}`, {
      details: { file: source, line },
    });
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new MarinaError('MAPPING_INVALID', `${source}: the mapping is empty or not an object`, { details: { file: source } });
  }
  const root = { ...(raw as Record<string, unknown>) };
  if (Array.isArray(root.resources)) root.resources = root.resources.map(normaliseResource);
  if (!validate(root)) {
    const problems: MappingProblem[] = describeAjvErrors(validate.errors ?? []).map(({ pointer, message }) => {
      const parts = pointer.split('/').slice(1);
      const resourceIndex = parts[0] === 'resources' && parts[1] !== undefined ? Number(parts[1]) : undefined;
      // A missing key has no node of its own: point at the closest enclosing one.
      let offset: number | undefined;
      for (let n = parts.length; n >= 0 && offset === undefined; n--) {
        const node = doc.getIn(parts.slice(0, n).map((p) => (/^\d+$/.test(p) ? Number(p) : p)), true);
        if (isNode(node)) offset = node.range?.[0];
      }
      const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
      return { ...(resourceIndex === undefined ? {} : { resourceIndex }), path: formatPath(pointer) || '(root)', message, ...(line ? { line } : {}) };
    });
    const lines = problems.map((p) => `  ${source}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`);
    throw new MarinaError('MAPPING_INVALID', `${source}: invalid port-app-config:\n${lines.join('\n')}`, {
      details: { file: source, problems },
    });
  }
  const { deleteDependentEntities, createMissingRelatedEntities, enableMergeEntity, entityDeletionThreshold, resources, ...extra } = root;
  return {
    deleteDependentEntities: (deleteDependentEntities as boolean | undefined) ?? true,
    createMissingRelatedEntities: (createMissingRelatedEntities as boolean | undefined) ?? true,
    enableMergeEntity: (enableMergeEntity as boolean | undefined) ?? true,
    entityDeletionThreshold: (entityDeletionThreshold as number | undefined) ?? 0.9,
    resources: ((resources as Record<string, unknown>[] | undefined) ?? []).map(toResource),
    extra,
  };
}

/** Reads and parses a port-app-config file; errors name the file. */
export async function loadPortAppConfig(file: string): Promise<PortAppConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MarinaError('MAPPING_PARSE_FAILED', `${file}: cannot read the mapping file: ${(error as Error).message}`, {
      cause: error,
      details: { file },
    });
  }
  return parsePortAppConfig(text, file);
}
