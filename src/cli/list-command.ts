import { parseArgs } from 'node:util';
import { describeError, isMarinaError } from '../errors.js';
import { discoverPlugins, readPluginFolder } from '../host/plugin-loader.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { resolveHostConfig } from './resolve-config.js';

export const LIST_USAGE = 'Usage: marina list [--config FILE] [--json]';

interface PluginRow {
  type: string;
  version: string | null;
  title: string | null;
  kinds: string[];
  dir: string;
  /** Integrations of the host config that use this plugin. */
  integrations: string[];
  problem: string | null;
}

/**
 * `marina list`: the plugins found in the plugin directories (from the spec files; no plugin
 * code runs), their kinds, and which configured integrations use each.
 */
export async function runListCommand(args: string[], io: CliIo): Promise<number> {
  let flags: { config?: string; json?: boolean };
  try {
    flags = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    writeLine(io.stderr, `${(error as Error).message}\n${LIST_USAGE}`);
    return EXIT.USAGE;
  }
  let config;
  try {
    config = (await resolveHostConfig(flags.config, io)).config;
  } catch (error) {
    writeLine(io.stderr, isMarinaError(error) ? error.message : describeError(error));
    return isMarinaError(error) ? EXIT.CONFIG : EXIT.FAILURE;
  }
  const rows: PluginRow[] = [];
  for (const [type, dir] of discoverPlugins(config.plugins.directories)) {
    const integrations = config.integrations.filter((integration) => integration.type === type).map((integration) => integration.identifier);
    try {
      const folder = await readPluginFolder(dir);
      rows.push({ type, version: folder.spec.version ?? null, title: folder.spec.title ?? null, kinds: folder.spec.kinds, dir, integrations, problem: null });
    } catch (error) {
      rows.push({ type, version: null, title: null, kinds: [], dir, integrations, problem: isMarinaError(error) ? error.code : 'INTERNAL' });
    }
  }
  if (flags.json) {
    writeLine(io.stdout, JSON.stringify(rows, null, 2));
    return EXIT.OK;
  }
  if (rows.length === 0) {
    writeLine(io.stdout, `No plugins in ${config.plugins.directories.join(', ')}`);
    return EXIT.OK;
  }
  const table = [
    ['TYPE', 'VERSION', 'KINDS', 'INTEGRATIONS', 'STATUS'],
    ...rows.map((row) => [row.type, row.version ?? '-', row.kinds.join(',') || '-', row.integrations.join(',') || '-', row.problem ?? 'ok']),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
  for (const cells of table) writeLine(io.stdout, cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
  return EXIT.OK;
}
