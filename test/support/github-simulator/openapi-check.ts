import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { openapiDocument, type Json } from './templates.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * Checks simulator answers against GitHub's OpenAPI document (@octokit/openapi,
 * api.github.com): the response schema of the operation whose path template matches.
 */
export interface GithubOpenapiCheck {
  /** The OpenAPI path template `path` matches (`/repos/{owner}/{repo}/pulls`), if any. */
  templateOf(method: string, path: string): string | undefined;
  /** Problems of `body` as the `status` answer of `method path`; [] when it conforms. */
  problems(method: string, path: string, status: number, body: unknown): string[];
}

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema: `type: [T, 'null']`, or `anyOf` with null
 * when the schema has no `type` (GitHub writes `nullable` beside `allOf` and `$ref`).
 */
function withNullableAsJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withNullableAsJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = key === 'example' || key === 'examples' ? value : withNullableAsJsonSchema(value);
  if (out['nullable'] !== true) return out;
  delete out['nullable'];
  if (typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
    if (Array.isArray(out['enum'])) out['enum'] = [...out['enum'], null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

let prepared: Json | undefined;

export function createGithubOpenapiCheck(): GithubOpenapiCheck {
  prepared ??= withNullableAsJsonSchema(openapiDocument()) as Json;
  const document = prepared;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document, 'github');
  const templates = Object.keys(document['paths'] as Json).map((template) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{path\}/g, '(.+)').replace(/\{[^}]+\}/g, '([^/]+)');
    return { template, regex: new RegExp(`^${pattern}$`), literal: template.replace(/\{[^}]+\}/g, '').length };
  });
  const compiled = new Map<string, ValidateFunction>();
  const pointer = (parts: string[]) => `github#/${parts.map((part) => encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
  return {
    templateOf(method, path) {
      const candidates = templates.filter((entry) => entry.regex.test(path) && document['paths'][entry.template][method.toLowerCase()] !== undefined);
      candidates.sort((a, b) => b.literal - a.literal);
      return candidates[0]?.template;
    },
    problems(method, path, status, body) {
      const template = this.templateOf(method, path);
      if (template === undefined) return [`no operation ${method} ${path} in GitHub's OpenAPI document`];
      const key = `${method} ${template} ${status}`;
      let validate = compiled.get(key);
      if (validate === undefined) {
        const response = document['paths'][template][method.toLowerCase()]['responses'][String(status)];
        if (response === undefined) return [`${method} ${template} has no ${status} answer in GitHub's OpenAPI document`];
        const parts = ['paths', template, method.toLowerCase(), 'responses', String(status)];
        // Responses are often `$ref`s to components/responses.
        const resolved = response['$ref'] ? String(response['$ref']).slice(2).split('/') : parts;
        const target = resolved.reduce<any>((node, part) => node?.[part], document);
        if (target?.['content']?.['application/json']?.['schema'] === undefined) return [];
        validate = ajv.getSchema(pointer([...resolved, 'content', 'application/json', 'schema']))!;
        compiled.set(key, validate);
      }
      if (validate(body)) return [];
      return (validate.errors ?? []).slice(0, 5).map((error) => `${method} ${template} ${status}: ${error.instancePath || '(root)'} ${error.message}`);
    },
  };
}
