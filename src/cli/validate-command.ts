import { parseArgs } from 'node:util';
import { originPath, type HostConfig } from '../config/host-config.js';
import { formatProblem, type Problem } from '../config/problems.js';
import { describeError, isMarinaError } from '../errors.js';
import { staticProblems } from '../host/host.js';
import { createDefaultImporter, type ImportModule } from '../host/import-module.js';
import { findPluginDir, loadPlugin, type LoadedPlugin } from '../host/plugin-loader.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { resolveHostConfig } from './resolve-config.js';

export const VALIDATE_USAGE = 'Usage: marina validate [--config FILE]';

/**
 * `marina validate`: checks the host config, the plugins it names (folder, spec, code, export)
 * and each integration's config against its plugin's schema, and local mapping files. Prints
 * every problem, one per line, and exits 78 when there is any.
 */
export async function runValidateCommand(args: string[], io: CliIo, options: { importModule?: ImportModule } = {}): Promise<number> {
  let flags: { config?: string };
  try {
    flags = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true }).values;
  } catch (error) {
    writeLine(io.stderr, `${(error as Error).message}\n${VALIDATE_USAGE}`);
    return EXIT.USAGE;
  }
  let config: HostConfig;
  try {
    config = (await resolveHostConfig(flags.config, io)).config;
  } catch (error) {
    return report(io, problemsOf(error, flags.config ?? 'host config'));
  }
  const problems = await staticProblems(config);
  const importModule = options.importModule ?? createDefaultImporter(import.meta.url);
  const plugins = new Map<string, LoadedPlugin | undefined>();
  for (const integration of config.integrations) {
    const type = integration.type;
    if (!plugins.has(type)) {
      const dir = findPluginDir(type, config.plugins.directories);
      let plugin: LoadedPlugin | undefined;
      if (dir !== undefined && !problems.some((problem) => problem.file.startsWith(dir))) {
        try {
          plugin = await loadPlugin(dir, { importModule, fresh: false });
        } catch (error) {
          problems.push(...problemsOf(error, dir));
        }
      }
      plugins.set(type, plugin);
    }
    const plugin = plugins.get(type);
    if (plugin) {
      const checked = plugin.validateConfig(integration.config, {
        file: integration.origin.file,
        base: [...integration.origin.path, 'config'],
        renamePath: (path: string) => originPath(integration.origin, path),
        ...(config.document ? { document: config.document } : {}),
      });
      if (!checked.ok) problems.push(...checked.problems);
    }
    if (integration.mapping.source === 'file') problems.push(...(await mappingProblems(integration.mapping.file)));
  }
  if (problems.length > 0) return report(io, problems);
  writeLine(io.stdout, `${config.source}: OK (${config.integrations.length} integration${config.integrations.length === 1 ? '' : 's'})`);
  return EXIT.OK;
}

async function mappingProblems(file: string): Promise<Problem[]> {
  try {
    // Imported lazily: the mapping module pulls in the jq engine, which `validate` of a config
    // without local mappings does not need.
    const { loadPortAppConfig } = await import('../mapping/port-app-config.js');
    await loadPortAppConfig(file);
    return [];
  } catch (error) {
    return problemsOf(error, file);
  }
}

function problemsOf(error: unknown, file: string): Problem[] {
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

function report(io: CliIo, problems: Problem[]): number {
  writeLine(io.stderr, `${problems.length} problem${problems.length === 1 ? '' : 's'} found:`);
  for (const problem of problems) writeLine(io.stderr, `  - ${formatProblem(problem)}`);
  return EXIT.CONFIG;
}
