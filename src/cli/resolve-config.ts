import { existsSync } from 'node:fs';
import path from 'node:path';
import { inspectHostConfigFile, type HostConfig, type HostConfigDefaults, type HostConfigInspection } from '../config/host-config.js';
import { hasOceanIntegration, inspectOceanEnv } from '../config/ocean-env.js';
import type { CliIo } from './cli-io.js';

export interface ResolvedConfig {
  config: HostConfig;
  /** Ocean variables that were present but are not used. */
  ignoredOceanSettings: string[];
}

/** The configuration the host would run, every problem in it, and what is usable despite them. */
export interface ConfigInspection extends HostConfigInspection {
  ignoredOceanSettings: string[];
}

/**
 * Which configuration the host runs, in order: `--config FILE`; `MARINA_CONFIG`; Ocean's
 * `OCEAN__INTEGRATION__TYPE` and friends (one integration, as Ocean runs it); the bundled
 * `config/marina.yaml`. `MARINA_PLUGIN_DIRS` (path-delimited) replaces the default plugin
 * directory when the config names none. Throws the config's `MarinaError` when it is invalid.
 */
export async function resolveHostConfig(configFlag: string | undefined, io: CliIo): Promise<ResolvedConfig> {
  const inspection = await inspectHostConfigSource(configFlag, io);
  if (inspection.error) throw inspection.error;
  return { config: inspection.config!, ignoredOceanSettings: inspection.ignoredOceanSettings };
}

/** Like {@link resolveHostConfig}, but returns every problem with what is usable (for `validate`). */
export async function inspectHostConfigSource(configFlag: string | undefined, io: CliIo): Promise<ConfigInspection> {
  const fromEnv = io.env['MARINA_PLUGIN_DIRS']?.split(path.delimiter).filter(Boolean);
  const defaults: HostConfigDefaults = {
    // Without a config file (Ocean's env variables) this is the only way to name plugin folders.
    pluginDirectories: fromEnv?.length ? fromEnv.map((dir) => path.resolve(io.cwd, dir)) : [path.join(io.packageRoot, 'plugins')],
    // MARINA_DATA_DIR: the container image sets /data (a volume).
    dataDir: io.env['MARINA_DATA_DIR'] ? path.resolve(io.cwd, io.env['MARINA_DATA_DIR']) : path.join(io.cwd, '.marina'),
  };
  const explicit = configFlag ?? io.env['MARINA_CONFIG'];
  if (explicit !== undefined && explicit !== '') {
    return { ...(await inspectHostConfigFile(path.resolve(io.cwd, explicit), io.env, defaults)), ignoredOceanSettings: [] };
  }
  if (hasOceanIntegration(io.env)) {
    const { ignored, ...inspection } = inspectOceanEnv(io.env, defaults);
    return { ...inspection, ignoredOceanSettings: ignored };
  }
  const bundled = path.join(io.packageRoot, 'config', 'marina.yaml');
  const file = existsSync(bundled) ? bundled : path.join(io.cwd, 'marina.yaml');
  return { ...(await inspectHostConfigFile(file, io.env, defaults)), ignoredOceanSettings: [] };
}
