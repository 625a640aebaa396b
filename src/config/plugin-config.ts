import type { ValidateFunction } from 'ajv';
import type { JsonSchema } from '../sdk/index.js';
import { ajvErrorsToProblems, createAjv } from './ajv.js';
import type { Problem } from './problems.js';
import { applyOceanCoercion } from './plugin-spec.js';
import type { SourceDocument } from './yaml-document.js';

export type PluginConfigResult = { ok: true; config: Record<string, unknown> } | { ok: false; problems: Problem[] };

/** Where the config being checked sits, so problems point into the operator's file. */
export interface PluginConfigSource {
  file: string;
  document?: SourceDocument;
  /** Path of the `config` object in the document, e.g. `['integrations', 0, 'config']`. */
  base?: (string | number)[];
  /** Rewrites problem paths for display (Ocean-style integrations name environment variables). */
  renamePath?: (path: string) => string;
}

export type PluginConfigValidator = (config: unknown, source: PluginConfigSource) => PluginConfigResult;

/**
 * Compiles a validator for one plugin's config schema. It returns a new object (the input is
 * never mutated) with keys normalised, Ocean's coercions applied, defaults filled in.
 *
 * Keys are matched to the schema's property names ignoring case and underscores, because
 * Ocean's environment variables arrive lower-cased and snake-cased
 * (`OCEAN__INTEGRATION__CONFIG__JIRA_HOST` is `jiraHost`).
 */
export function createPluginConfigValidator(schema: JsonSchema): PluginConfigValidator {
  let validate: ValidateFunction;
  try {
    validate = createAjv({ coerceTypes: true }).compile(schema);
  } catch (error) {
    const message = `the plugin's config schema is not a valid JSON Schema: ${(error as Error).message}`;
    return (_config, source) => ({ ok: false, problems: [{ file: source.file, path: '', message }] });
  }
  const properties = (schema['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {};
  const byLooseName = new Map(Object.keys(properties).map((name) => [looseName(name), name]));

  return (config, source) => {
    const input = config === undefined || config === null ? {} : config;
    if (typeof input !== 'object' || Array.isArray(input)) {
      const at = source.document?.locate(source.base ?? []);
      return { ok: false, problems: [{ file: source.file, path: pathOf(source.base), message: 'must be a mapping of config keys to values', ...at }] };
    }
    const value: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(input)) {
      const name = key in properties ? key : (byLooseName.get(looseName(key)) ?? key);
      value[name] = applyOceanCoercion(structuredClone(raw), properties[name]?.['x-ocean-type'] as string | undefined);
    }
    if (validate(value)) return { ok: true, config: value };
    const options: { document?: SourceDocument; base?: (string | number)[] } = { base: source.base ?? [] };
    if (source.document) options.document = source.document;
    const problems = ajvErrorsToProblems(validate.errors, source.file, options);
    const rename = source.renamePath;
    return { ok: false, problems: rename ? problems.map((problem) => ({ ...problem, path: rename(problem.path) })) : problems };
  };
}

function looseName(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

function pathOf(base: (string | number)[] | undefined): string {
  return (base ?? []).map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
}
