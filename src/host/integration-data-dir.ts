import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MarinaError } from '../errors.js';

/**
 * The directory private to one integration, `<dataDir>/integrations/<identifier>`, created with
 * mode 0700 (and its parent too) so that what a plugin keeps there (caches of third-party
 * responses) is readable by the daemon's user only. Identifiers are checked by the config
 * schema (`[A-Za-z0-9][A-Za-z0-9._-]*`), so the path cannot leave the data dir.
 *
 * @throws MarinaError `PLUGIN_SETUP_FAILED` when the directory cannot be created.
 */
export async function createIntegrationDataDir(dataDir: string, identifier: string): Promise<string> {
  const parent = path.join(dataDir, 'integrations');
  const dir = path.join(parent, identifier);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask and leaves existing directories alone.
    await chmod(parent, 0o700);
    await chmod(dir, 0o700);
  } catch (error) {
    throw new MarinaError('PLUGIN_SETUP_FAILED', `Cannot create the data directory ${dir} of integration "${identifier}": ${(error as Error).message}`, {
      cause: error,
      details: { integration: identifier, dataDir: dir },
    });
  }
  return dir;
}
