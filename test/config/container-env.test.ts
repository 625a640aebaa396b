import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readOceanEnv } from '../../src/config/ocean-env.js';
import { resolveHostConfig } from '../../src/cli/resolve-config.js';
import type { CliIo } from '../../src/cli/cli-io.js';

/** The variables the container image sets: where to listen (Ocean mode) and the data dir. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const defaults = { pluginDirectories: [path.join(repoRoot, 'plugins')], dataDir: '/somewhere/.marina' };

function io(env: Record<string, string>, cwd: string): CliIo {
  return {
    env,
    cwd,
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    packageRoot: repoRoot,
    shutdownSignal: new Promise(() => undefined),
    onUnhandledRejection: () => undefined,
    onReloadSignal: () => undefined,
  };
}

describe("the container image's variables", () => {
  it('MARINA_HOST sets the address an Ocean-configured integration listens on (default 127.0.0.1)', () => {
    expect(readOceanEnv({ OCEAN__INTEGRATION__TYPE: 'fake' }, defaults).config.server.host).toBe('127.0.0.1');
    const { config } = readOceanEnv({ OCEAN__INTEGRATION__TYPE: 'fake', MARINA_HOST: '0.0.0.0', APPLICATION__PORT: '9000' }, defaults);
    expect(config.server).toEqual({ host: '0.0.0.0', port: 9000 });
  });

  it('MARINA_DATA_DIR is the data dir when the config names none; a dataDir in the config wins', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'marina-env-'));
    const ocean = await resolveHostConfig(undefined, io({ OCEAN__INTEGRATION__TYPE: 'fake', MARINA_DATA_DIR: '/data' }, cwd));
    expect(ocean.config.dataDir).toBe('/data');
    const bundled = await resolveHostConfig(undefined, io({ MARINA_DATA_DIR: 'state' }, cwd));
    expect(bundled.config.dataDir).toBe(path.join(cwd, 'state'));
    const plain = await resolveHostConfig(undefined, io({}, cwd));
    expect(plain.config.dataDir).toBe(path.join(cwd, '.marina'));
    writeFileSync(path.join(cwd, 'own.yaml'), 'dataDir: own-state\n');
    const own = await resolveHostConfig('own.yaml', io({ MARINA_DATA_DIR: '/data' }, cwd));
    expect(own.config.dataDir).toBe(path.join(cwd, 'own-state'));
  });
});
