import { parseArgs } from 'node:util';
import { formatProblem, type Problem } from '../config/problems.js';
import { createDefaultImporter, type ImportModule } from '../host/import-module.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { inspectHostConfigSource } from './resolve-config.js';
import { mappingFileProblems } from './validate-mapping-file.js';
import { pluginProblems } from './validate-plugins.js';

export const VALIDATE_USAGE = 'Usage: marina validate [--config FILE]';

/**
 * `marina validate`: everything `start` would refuse, and more, in one run. The host config
 * (schema, duplicate identifiers, missing variables, plugin directories, mapping files named),
 * the `MARINA_*` overrides, the plugins it names (folder, spec, code, export), each
 * integration's config against its plugin's schema, and every jq expression of local mapping
 * files and of the plugins' default mappings. A problem in one stage never hides those of the
 * next: what the config refused is left out of the later checks, the rest is checked. Prints
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
  const { config, problems: configProblems } = await inspectHostConfigSource(flags.config, io);
  const problems = [...configProblems];
  if (config) {
    // Imported here: the mapping module pulls in the jq engine, which a broken config never needs.
    const { createMappingEngine } = await import('../mapping/index.js');
    const engine = createMappingEngine();
    try {
      const importModule = options.importModule ?? createDefaultImporter(import.meta.url);
      problems.push(...withoutRepeats(await pluginProblems(config, { importModule, engine }), configProblems));
      const mappingFiles = new Set(config.integrations.flatMap((integration) => (integration.mapping.source === 'file' ? [integration.mapping.file] : [])));
      for (const file of mappingFiles) {
        // A missing file is a config problem already.
        if (!configProblems.some((problem) => problem.message.includes(file))) problems.push(...(await mappingFileProblems(file, engine)));
      }
    } finally {
      await engine.close();
    }
  }
  if (problems.length > 0) return report(io, problems);
  writeLine(io.stdout, `${config!.source}: OK (${config!.integrations.length} integration${config!.integrations.length === 1 ? '' : 's'})`);
  return EXIT.OK;
}

/** Later stages may trip over a value the config stage reported already (an unset variable): say it once. */
function withoutRepeats(problems: Problem[], reported: Problem[]): Problem[] {
  const seen = new Set(reported.filter((problem) => problem.path !== '').map((problem) => `${problem.file}\u0000${problem.path}`));
  return problems.filter((problem) => !seen.has(`${problem.file}\u0000${problem.path}`));
}

function report(io: CliIo, problems: Problem[]): number {
  writeLine(io.stderr, `${problems.length} problem${problems.length === 1 ? '' : 's'} found:`);
  for (const problem of problems) writeLine(io.stderr, `  - ${formatProblem(problem)}`);
  return EXIT.CONFIG;
}
