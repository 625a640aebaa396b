import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createPluginConfigValidator, type PluginConfigValidator } from '../config/plugin-config.js';
import { readPluginSpec, sensitiveKeys, specToConfigSchema, type PluginSpec } from '../config/plugin-spec.js';
import { formatProblems } from '../config/problems.js';
import { MarinaError } from '../errors.js';
import { defineIntegration, isDefinedIntegration, SDK_API_VERSION, type DefinedIntegration, type IntegrationDefinition, type JsonSchema } from '../sdk/index.js';
import type { ImportModule } from './import-module.js';

/** Entry file names, in the order they are looked for. */
export const ENTRY_FILES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'] as const;

/** What can be known about a plugin folder without running its code. */
export interface PluginFolder {
  type: string;
  dir: string;
  entry: string;
  spec: PluginSpec;
  /** `.port/resources`, when the plugin ships default resources. */
  resourcesDir?: string;
}

/** A plugin whose code imported and whose export checked out. */
export interface LoadedPlugin extends PluginFolder {
  version: string;
  definition: DefinedIntegration;
  configSchema: JsonSchema;
  /** Top-level config keys whose values are secrets. */
  sensitiveKeys: string[];
  validateConfig: PluginConfigValidator;
  loadedAt: Date;
}

/** The folder of plugin `type`: the first plugin directory that has it. */
export function findPluginDir(type: string, directories: readonly string[]): string | undefined {
  for (const directory of directories) {
    const candidate = path.join(directory, type);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
  }
  return undefined;
}

/** Plugin folders in `directories` by type (the first directory wins on duplicates). */
export function discoverPlugins(directories: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const directory of directories) {
    if (!existsSync(directory)) continue;
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules' || found.has(entry.name)) continue;
      const dir = path.join(directory, entry.name);
      if (findEntry(dir) !== undefined || existsSync(path.join(dir, '.port'))) found.set(entry.name, dir);
    }
  }
  return found;
}

export function findEntry(dir: string): string | undefined {
  for (const name of ENTRY_FILES) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Reads a plugin folder's entry point and spec, without importing code.
 * @throws MarinaError `PLUGIN_NOT_FOUND` (no folder or no entry file) or `PLUGIN_SPEC_INVALID`.
 */
export async function readPluginFolder(dir: string): Promise<PluginFolder> {
  const type = path.basename(dir);
  if (!existsSync(dir)) throw new MarinaError('PLUGIN_NOT_FOUND', `Plugin folder ${dir} does not exist`, { details: { plugin: type, file: dir } });
  const entry = findEntry(dir);
  if (entry === undefined) {
    throw new MarinaError('PLUGIN_NOT_FOUND', `Plugin "${type}" (${dir}) has no entry file: expected one of ${ENTRY_FILES.join(', ')}`, {
      details: { plugin: type, file: dir },
    });
  }
  const specResult = await readPluginSpec(dir);
  if (!specResult.ok) {
    throw new MarinaError('PLUGIN_SPEC_INVALID', `Plugin "${type}" has an unusable spec:\n${formatProblems(specResult.problems)}`, {
      details: { plugin: type, problems: specResult.problems },
    });
  }
  const folder: PluginFolder = { type, dir, entry, spec: specResult.spec };
  const resourcesDir = path.join(dir, '.port', 'resources');
  if (existsSync(resourcesDir)) folder.resourcesDir = resourcesDir;
  return folder;
}

/**
 * Reads a plugin folder and imports its code. Every failure is a `MarinaError` naming the plugin
 * and the file: `PLUGIN_NOT_FOUND`, `PLUGIN_SPEC_INVALID`, `PLUGIN_LOAD_FAILED` (the import threw:
 * syntax error, missing dependency, top-level exception), `PLUGIN_INVALID_EXPORT` or
 * `PLUGIN_VERSION_MISMATCH`.
 */
export async function loadPlugin(dir: string, options: { importModule: ImportModule; fresh: boolean }): Promise<LoadedPlugin> {
  const folder = await readPluginFolder(dir);
  let namespace: unknown;
  try {
    namespace = await options.importModule(folder.entry, { fresh: options.fresh });
  } catch (error) {
    throw new MarinaError('PLUGIN_LOAD_FAILED', `Plugin "${folder.type}" failed to import ${folder.entry}`, {
      cause: error,
      details: { plugin: folder.type, file: folder.entry },
    });
  }
  let exported = (namespace as { default?: unknown } | null)?.default;
  // A TypeScript plugin outside an ESM package is compiled as CommonJS; its `export default`
  // then arrives one level down (`module.exports.default`).
  if (!isIntegrationExport(exported) && isIntegrationExport((exported as { default?: unknown } | null | undefined)?.default)) {
    exported = (exported as { default: unknown }).default;
  }
  if (!isIntegrationExport(exported)) {
    throw new MarinaError(
      'PLUGIN_INVALID_EXPORT',
      `Plugin "${folder.type}" (${folder.entry}) must default-export the result of defineIntegration({...}); got ${describeExport(exported)}`,
      { details: { plugin: folder.type, file: folder.entry } },
    );
  }
  if (exported.apiVersion !== SDK_API_VERSION) {
    throw new MarinaError(
      'PLUGIN_VERSION_MISMATCH',
      `Plugin "${folder.type}" was built for SDK contract ${String(exported.apiVersion)}; this host supports ${SDK_API_VERSION}`,
      { details: { plugin: folder.type, file: folder.entry } },
    );
  }
  let definition: DefinedIntegration = exported;
  if (!isDefinedIntegration(definition)) {
    // A plain object (a JavaScript plugin that does not import the SDK): checked as
    // defineIntegration would check it.
    try {
      definition = defineIntegration(definition as IntegrationDefinition);
    } catch (error) {
      throw new MarinaError('PLUGIN_INVALID_EXPORT', `Plugin "${folder.type}" (${folder.entry}) exports an invalid definition: ${(error as Error).message}`, {
        details: { plugin: folder.type, file: folder.entry },
      });
    }
  }
  if (definition.type !== folder.type) {
    throw new MarinaError(
      'PLUGIN_INVALID_EXPORT',
      `Plugin in folder "${folder.type}" declares type "${definition.type}"; the type must equal the folder name (${folder.entry})`,
      { details: { plugin: folder.type, file: folder.entry } },
    );
  }
  const configSchema = definition.configSchema ?? specToConfigSchema(folder.spec.configurations);
  return {
    ...folder,
    version: definition.version ?? folder.spec.version ?? '0.0.0',
    definition,
    configSchema,
    sensitiveKeys: sensitiveKeys(configSchema),
    validateConfig: createPluginConfigValidator(configSchema),
    loadedAt: new Date(),
  };
}

/**
 * What the loader accepts as a plugin's export: a `defineIntegration` result from any copy of
 * the SDK (recognised by its brand), or a plain object declaring `apiVersion`, `type` and `setup`.
 */
function isIntegrationExport(value: unknown): value is DefinedIntegration {
  if (isDefinedIntegration(value)) return true;
  return typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion !== undefined && typeof (value as { setup?: unknown }).setup === 'function';
}

function describeExport(value: unknown): string {
  if (value === undefined) return 'no default export';
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function (call defineIntegration instead of exporting a setup function)';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return `a ${typeof value}`;
}
