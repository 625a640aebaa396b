import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { PORT_OPENAPI_PATH } from '../support/fixtures.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/**
 * Validates emulator responses against the response schemas of Port's published OpenAPI spec
 * (`test/fixtures/port-openapi.json`).
 *
 * Two documented gaps of the spec are closed before validating, because Port and Ocean rely on
 * fields the spec leaves out (see port-api.md §3.2 and src/emulator/README.md):
 * - entity objects in responses carry `blueprint`, `createdAt`, `createdBy`, `updatedAt` and
 *   `updatedBy` (Ocean asks for `include=blueprint` on every search), while the spec's entity
 *   schema is closed over identifier/title/icon/team/properties/relations;
 * - `DELETE /v1/blueprints/{bp}/all-entities` answers `migrationId`, which Ocean reads and polls.
 */

export const OPENAPI_PATH = PORT_OPENAPI_PATH;

type Json = Record<string, any>;

const ENTITY_KEYS = ['identifier', 'title', 'icon', 'team', 'properties', 'relations'];
const META = {
  blueprint: { type: 'string' },
  createdAt: { type: 'string', format: 'date-time' },
  createdBy: { type: 'string' },
  updatedAt: { type: 'string', format: 'date-time' },
  updatedBy: { type: 'string' },
};

function widenEntitySchemas(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) widenEntitySchemas(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Json;
  if (schema['additionalProperties'] === false && typeof schema['properties'] === 'object' && schema['properties'] !== null) {
    const keys = Object.keys(schema['properties']).sort();
    if (keys.length === ENTITY_KEYS.length && ENTITY_KEYS.every((key) => keys.includes(key))) Object.assign(schema['properties'], META);
  }
  for (const value of Object.values(schema)) widenEntitySchemas(value);
}

function loadSpec(): Json {
  const spec = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json;
  for (const path of Object.values(spec['paths'] as Json)) {
    for (const operation of Object.values(path as Json)) {
      if (typeof operation === 'object' && operation !== null && 'responses' in operation) widenEntitySchemas(operation['responses']);
    }
  }
  const allEntities = spec['paths']['/v1/blueprints/{blueprint_identifier}/all-entities']?.['delete']?.['responses']?.['200']?.['content']?.['application/json']?.['schema'];
  if (allEntities?.properties !== undefined) allEntities.properties.migrationId = { type: 'string' };
  return spec;
}

export interface ConformanceResult {
  /** The spec path template matched, or undefined when the spec has no such route. */
  route: string | undefined;
  /** Whether the spec has a JSON response schema for this status. */
  checked: boolean;
  errors: string[];
}

export interface ConformanceChecker {
  check(method: string, path: string, status: number, body: unknown): ConformanceResult;
}

function pointerEscape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function createConformanceChecker(): ConformanceChecker {
  const spec = loadSpec();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'port-openapi');
  const templates = Object.keys(spec['paths'] as Json).map((template) => {
    const segments = template.split('/');
    const regex = new RegExp(`^${segments.map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/')}$`);
    return { template, regex, params: segments.filter((s) => s.startsWith('{')).length };
  });
  const validators = new Map<string, ValidateFunction | null>();

  return {
    check(method, path, status, body) {
      const bare = path.split('?', 1)[0] as string;
      const match = templates.filter((t) => t.regex.test(bare)).sort((a, b) => a.params - b.params)[0];
      if (match === undefined) return { route: undefined, checked: false, errors: [] };
      const m = method.toLowerCase();
      const key = `${m} ${match.template} ${status}`;
      let validate: ValidateFunction | null | undefined = validators.get(key);
      if (validate === undefined) {
        const schema = spec['paths'][match.template]?.[m]?.['responses']?.[String(status)]?.['content']?.['application/json']?.['schema'];
        validate = schema === undefined
          ? null
          : ajv.compile({ $ref: `port-openapi#/paths/${pointerEscape(match.template)}/${m}/responses/${status}/content/${pointerEscape('application/json')}/schema` });
        validators.set(key, validate);
      }
      if (validate === null) return { route: match.template, checked: false, errors: [] };
      const run: ValidateFunction = validate;
      const ok = run(body);
      return {
        route: match.template,
        checked: true,
        errors: ok ? [] : (run.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`),
      };
    },
  };
}
