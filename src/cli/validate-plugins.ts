import { existsSync } from 'node:fs';
import path from 'node:path';
import { originPath, type HostConfig, type IntegrationConfig } from '../config/host-config.js';
import { createPluginConfigValidator, type PluginConfigValidator } from '../config/plugin-config.js';
import { specToConfigSchema } from '../config/plugin-spec.js';
import type { Problem } from '../config/problems.js';
import { describeError, isMarinaError } from '../errors.js';
import { staticProblems } from '../host/host.js';
import type { ImportModule } from '../host/import-module.js';
import { findPluginDir, loadPlugin, readPluginFolder, type PluginFolder } from '../host/plugin-loader.js';
import type { MappingEngine } from '../mapping/index.js';
import { mappingFileProblems } from './validate-mapping-file.js';

const DEFAULT_MAPPING_FILES = ['port-app-config.yml', 'port-app-config.yaml', 'port-app-config.json'];

interface CheckedPlugin {
  folder: PluginFolder;
  validateConfig: PluginConfigValidator;
}

/**
 * What `validate` finds in the plugins a config names, each stage whatever the others found:
 * unknown plugin types and folder problems (entry file, spec), code that does not import or
 * export `defineIntegration`, each integration's config against its plugin's schema, and every
 * jq expression of each plugin's default mapping (`.port/resources/port-app-config.yml`).
 */
export async function pluginProblems(config: HostConfig, options: { importModule: ImportModule; engine: MappingEngine }): Promise<Problem[]> {
  const problems = await staticProblems(config);
  const plugins = new Map<string, CheckedPlugin | undefined>();
  for (const integration of config.integrations) {
    if (!plugins.has(integration.type)) plugins.set(integration.type, await checkPlugin(integration.type, config, problems, options.importModule));
    const plugin = plugins.get(integration.type);
    if (plugin) problems.push(...integrationConfigProblems(integration, plugin.validateConfig, config));
  }
  for (const plugin of plugins.values()) {
    const file = plugin?.folder.resourcesDir && DEFAULT_MAPPING_FILES.map((name) => path.join(plugin.folder.resourcesDir!, name)).find((candidate) => existsSync(candidate));
    if (file) problems.push(...(await mappingFileProblems(file, options.engine)));
  }
  return problems;
}

/**
 * Reads and imports one plugin, adding what is wrong to `problems`. When the folder is sound but
 * the code does not load, integrations are still checked against the schema the spec declares.
 */
async function checkPlugin(type: string, config: HostConfig, problems: Problem[], importModule: ImportModule): Promise<CheckedPlugin | undefined> {
  const dir = findPluginDir(type, config.plugins.directories);
  // Unknown types and unusable folders are among staticProblems already.
  if (dir === undefined || problems.some((problem) => problem.file === dir || problem.file.startsWith(dir + path.sep))) return undefined;
  let folder: PluginFolder;
  try {
    folder = await readPluginFolder(dir);
  } catch {
    return undefined;
  }
  try {
    const plugin = await loadPlugin(dir, { importModule, fresh: false });
    return { folder, validateConfig: plugin.validateConfig };
  } catch (error) {
    problems.push(...problemsOf(error, dir));
    return { folder, validateConfig: createPluginConfigValidator(specToConfigSchema(folder.spec.configurations)) };
  }
}

function integrationConfigProblems(integration: IntegrationConfig, validateConfig: PluginConfigValidator, config: HostConfig): Problem[] {
  const checked = validateConfig(integration.config, {
    file: integration.origin.file,
    base: [...integration.origin.path, 'config'],
    renamePath: (at: string) => originPath(integration.origin, at),
    ...(config.document ? { document: config.document } : {}),
  });
  return checked.ok ? [] : checked.problems;
}

/** A plugin's `MarinaError` as problems: its own list when it has one, else its message. */
export function problemsOf(error: unknown, file: string): Problem[] {
  if (isMarinaError(error) && Array.isArray(error.details['problems'])) {
    return (error.details['problems'] as Record<string, unknown>[]).map((problem) => ({
      file: String(problem['file'] ?? problem['source'] ?? file),
      path: String(problem['path'] ?? ''),
      message: String(problem['message'] ?? problem),
      ...(typeof problem['line'] === 'number' ? { line: problem['line'] } : {}),
      ...(typeof problem['column'] === 'number' ? { column: problem['column'] } : {}),
    }));
  }
  return [{ file: isMarinaError(error) && typeof error.details['file'] === 'string' ? error.details['file'] : file, path: '', message: describeError(error) }];
}
