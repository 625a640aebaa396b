import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig, type HostConfig, type HostConfigDefaults } from '../config/host-config.js';
import { hasOceanIntegration, readOceanEnv } from '../config/ocean-env.js';
import type { CliIo } from './cli-io.js';

export interface ResolvedConfig {
  config: HostConfig;
  /** Ocean variables that were present but are not used. */
  ignoredOceanSettings: string[];
}

/**
 * Which configuration the host runs, in order: `--config FILE`; `MARINA_CONFIG`; Ocean's
 * `OCEAN__INTEGRATION__TYPE` and friends (one integration, as Ocean runs it); the bundled
 * `config/marina.yaml`. `MARINA_PLUGIN_DIRS` (path-delimited) replaces the default plugin
 * directory when the config names none. Throws the config's `MarinaError` when it is invalid.
 */
export async function resolveHostConfig(configFlag: string | undefined, io: CliIo): Promise<ResolvedConfig> {
  const fromEnv = io.env['MARINA_PLUGIN_DIRS']?.split(path.delimiter).filter(Boolean);
  const defaults: HostConfigDefaults = {
    // Without a config file (Ocean's env variables) this is the only way to name plugin folders.
    pluginDirectories: fromEnv?.length ? fromEnv.map((dir) => path.resolve(io.cwd, dir)) : [path.join(io.packageRoot, 'plugins')],
    // MARINA_DATA_DIR: the container image sets /data (a volume).
    dataDir: io.env['MARINA_DATA_DIR'] ? path.resolve(io.cwd, io.env['MARINA_DATA_DIR']) : path.join(io.cwd, '.marina'),
  };
  const explicit = configFlag ?? io.env['MARINA_CONFIG'];
  if (explicit !== undefined && explicit !== '') {
    return { config: await loadHostConfig(path.resolve(io.cwd, explicit), io.env, defaults), ignoredOceanSettings: [] };
  }
  if (hasOceanIntegration(io.env)) {
    const { config, ignored } = readOceanEnv(io.env, defaults);
    return { config, ignoredOceanSettings: ignored };
  }
  const bundled = path.join(io.packageRoot, 'config', 'marina.yaml');
  if (existsSync(bundled)) return { config: await loadHostConfig(bundled, io.env, defaults), ignoredOceanSettings: [] };
  return { config: await loadHostConfig(path.join(io.cwd, 'marina.yaml'), io.env, defaults), ignoredOceanSettings: [] };
}
