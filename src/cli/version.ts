import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Marina's version from its package.json. */
export async function readVersion(packageRoot: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
