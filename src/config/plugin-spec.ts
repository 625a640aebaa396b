import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonSchema } from '../sdk/index.js';
import { createAjv, ajvErrorsToProblems } from './ajv.js';
import { formatPath, type Problem } from './problems.js';
import { parseSourceDocument } from './yaml-document.js';

/** The configuration types Ocean's `.port/spec.yaml` allows (anything else fails Ocean's startup). */
export const SPEC_CONFIGURATION_TYPES = ['string', 'integer', 'boolean', 'object', 'array', 'url'] as const;
export type SpecConfigurationType = (typeof SPEC_CONFIGURATION_TYPES)[number];

/** One entry of a spec's `configurations` list. */
export interface SpecConfiguration {
  name: string;
  type: SpecConfigurationType;
  required: boolean;
  sensitive: boolean;
  default?: unknown;
  description?: string;
}

/** What the host reads from a plugin's `.port/spec.yaml` (or `.yml` / `.json`). */
export interface PluginSpec {
  file: string;
  title?: string;
  version?: string;
  configurations: SpecConfiguration[];
  /** Kinds listed under `features[].resources[].kind`. */
  kinds: string[];
  /** The whole document, for keys the host does not interpret (Port's UI uses them). */
  raw: Record<string, unknown>;
}

/** Ocean looks these up in this order. */
export const SPEC_FILE_NAMES = ['spec.json', 'spec.yaml', 'spec.yml'] as const;

export function findSpecFile(pluginDir: string): string | undefined {
  for (const name of SPEC_FILE_NAMES) {
    const candidate = path.join(pluginDir, '.port', name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export type SpecResult = { ok: true; spec: PluginSpec } | { ok: false; problems: Problem[] };

export async function readPluginSpec(pluginDir: string): Promise<SpecResult> {
  const file = findSpecFile(pluginDir);
  if (file === undefined) {
    return {
      ok: false,
      problems: [{ file: path.join(pluginDir, '.port'), path: '', message: `no spec file: expected one of .port/${SPEC_FILE_NAMES.join(', .port/')}` }],
    };
  }
  return parsePluginSpec(await readFile(file, 'utf8'), file);
}

const specSchema = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    version: { type: ['string', 'number'] },
    features: { type: 'array' },
    configurations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'type'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          type: { enum: [...SPEC_CONFIGURATION_TYPES] },
          required: { type: 'boolean' },
          sensitive: { type: 'boolean' },
          description: { type: 'string' },
        },
      },
    },
  },
} as const;

const validateSpec = createAjv().compile(specSchema);

/** Parses and checks a spec document; every problem names the file, path and line. */
export function parsePluginSpec(text: string, file: string): SpecResult {
  const parsed = parseSourceDocument(text, file);
  if (!parsed.ok) return parsed;
  const { document } = parsed;
  const raw = document.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [{ file, path: '', message: 'must be a mapping (YAML object)' }] };
  }
  if (!validateSpec(raw)) return { ok: false, problems: ajvErrorsToProblems(validateSpec.errors, file, { document }) };
  const spec = raw as Record<string, unknown>;
  const entries = (spec['configurations'] as Record<string, unknown>[] | undefined) ?? [];
  const problems: Problem[] = [];
  const names = new Set<string>();
  const configurations: SpecConfiguration[] = [];
  entries.forEach((entry, index) => {
    const name = entry['name'] as string;
    if (names.has(name)) {
      const at = document.locate(['configurations', index, 'name']);
      problems.push({ file, path: formatPath(['configurations', index, 'name']), message: `duplicate configuration "${name}"`, ...at });
    }
    names.add(name);
    const configuration: SpecConfiguration = {
      name,
      type: entry['type'] as SpecConfigurationType,
      required: entry['required'] === true,
      sensitive: entry['sensitive'] === true,
    };
    if (typeof entry['description'] === 'string') configuration.description = entry['description'];
    if (entry['default'] !== undefined && entry['default'] !== null) {
      configuration.default = applyOceanCoercion(entry['default'], configuration.type);
    }
    configurations.push(configuration);
  });
  if (problems.length > 0) return { ok: false, problems };
  const kinds = new Set<string>();
  for (const feature of (spec['features'] as unknown[] | undefined) ?? []) {
    for (const resource of ((feature as { resources?: unknown[] })?.resources as unknown[] | undefined) ?? []) {
      const kind = (resource as { kind?: unknown })?.kind;
      if (typeof kind === 'string') kinds.add(kind);
    }
  }
  const result: PluginSpec = { file, configurations, kinds: [...kinds], raw: spec };
  if (typeof spec['title'] === 'string') result.title = spec['title'];
  if (spec['version'] !== undefined) result.version = String(spec['version']);
  return { ok: true, spec: result };
}

/**
 * The JSON Schema of a plugin's configuration, derived from the spec's `configurations` the way
 * Ocean builds its pydantic model: one property per entry, required when `required` and without
 * default, `url` as an absolute URL. Sensitive entries carry `sensitive: true`.
 */
export function specToConfigSchema(configurations: readonly SpecConfiguration[]): JsonSchema {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const configuration of configurations) {
    const property: Record<string, unknown> = jsonType(configuration.type);
    if (configuration.description) property['description'] = configuration.description;
    if (configuration.default !== undefined) property['default'] = configuration.default;
    if (configuration.sensitive) property['sensitive'] = true;
    properties[configuration.name] = property;
    if (configuration.required && configuration.default === undefined) required.push(configuration.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function jsonType(type: SpecConfigurationType): Record<string, unknown> {
  switch (type) {
    case 'url':
      // Ocean: a URL with a host; the trailing slash is stripped before validation.
      return { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\s]+', 'x-ocean-type': 'url' };
    case 'object':
      return { type: 'object', 'x-ocean-type': 'object' };
    case 'array':
      return { type: 'array', 'x-ocean-type': 'array' };
    default:
      return { type };
  }
}

/**
 * Ocean's quirks, applied before schema validation: `object` and `array` values given as strings
 * (environment variables are strings) are JSON-decoded when they decode, and `url` values lose
 * their trailing slash.
 */
export function applyOceanCoercion(value: unknown, type: string | undefined): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'url') return value.length > 1 ? value.replace(/\/+$/, '') : value;
  if (type === 'object' || type === 'array') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Names of the top-level properties a config schema marks `sensitive` (or `writeOnly`). */
export function sensitiveKeys(schema: JsonSchema): string[] {
  const properties = (schema['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {};
  return Object.entries(properties)
    .filter(([, property]) => property?.['sensitive'] === true || property?.['writeOnly'] === true)
    .map(([name]) => name);
}
