import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseHostConfig } from '../../src/config/host-config.js';
import { parseShard, selectShard, shardOf, shardOfIdentifier } from '../../src/config/shard.js';
import { isMarinaError } from '../../src/errors.js';
import { PassThrough } from 'node:stream';
import { runStartCommand } from '../../src/cli/start-command.js';

const dir = mkdtempSync(path.join(tmpdir(), 'marina-shard-'));
const file = path.join(dir, 'marina.yaml');
writeFileSync(file, '');
const defaults = { pluginDirectories: [dir], dataDir: path.join(dir, '.marina') };

function config(yaml: string) {
  return parseHostConfig(yaml, file, {}, defaults);
}

describe('parseShard', () => {
  it('reads index/count with a 0-based index', () => {
    expect(parseShard('0/3')).toEqual({ index: 0, count: 3 });
    expect(parseShard(' 2 / 3 ')).toEqual({ index: 2, count: 3 });
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
  });

  it('explains what is wrong with a bad value', () => {
    expect(parseShard('3/3')).toBe('the index must be from 0 to 2, got "3/3"');
    expect(parseShard('0/0')).toBe('the count must be at least 1, got "0/0"');
    expect(parseShard('1')).toMatch(/must be "index\/count" such as 0\/3/);
    expect(parseShard('-1/3')).toMatch(/must be "index\/count"/);
    expect(parseShard('a/b')).toMatch(/must be "index\/count"/);
  });
});

describe('shardOfIdentifier', () => {
  it('is the first 32 bits of the SHA-256 of the identifier, big-endian, modulo the count', () => {
    // Reference values from coreutils: printf %s ID | sha256sum | cut -c1-8, then modulo.
    expect(shardOfIdentifier('github-acme', 3)).toBe(0x3552cbe0 % 3);
    expect(shardOfIdentifier('github-acme', 3)).toBe(1);
    expect(shardOfIdentifier('jira-cloud', 3)).toBe(0);
    expect(shardOfIdentifier('jira-cloud', 5)).toBe(4);
    expect(shardOfIdentifier('fake', 3)).toBe(2);
    expect(shardOfIdentifier('anything', 1)).toBe(0);
  });

  it('spreads many identifiers over every shard', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[shardOfIdentifier(`integration-${i}`, 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(60);
  });
});

describe('selectShard', () => {
  const yaml = [
    'integrations:',
    '  - { identifier: github-acme, type: fake }',
    '  - { identifier: jira-cloud, type: fake }',
    '  - { identifier: fake, type: fake }',
    '  - { identifier: pinned, type: fake, shard: 1 }',
  ].join('\n');

  it('keeps this shard\'s integrations and says where the others run', () => {
    const all = config(yaml);
    expect(all.integrations.find((integration) => integration.identifier === 'pinned')?.shard).toBe(1);
    const one = selectShard(all, { index: 1, count: 3 });
    expect(one.integrations.map((integration) => integration.identifier)).toEqual(['github-acme', 'pinned']);
    expect(one.shard).toEqual({
      index: 1,
      count: 3,
      elsewhere: [
        { identifier: 'jira-cloud', type: 'fake', shard: 0 },
        { identifier: 'fake', type: 'fake', shard: 2 },
      ],
    });
  });

  it('places every integration on exactly one shard', () => {
    const all = config(yaml);
    const owners = [0, 1, 2].flatMap((index) => selectShard(all, { index, count: 3 }).integrations.map((integration) => integration.identifier));
    expect(owners.sort()).toEqual(['fake', 'github-acme', 'jira-cloud', 'pinned']);
    expect(shardOf({ identifier: 'pinned', shard: 1 }, 3)).toBe(1);
  });

  it('refuses an explicit shard that does not exist, naming the integration and the line', () => {
    let caught: unknown;
    try {
      selectShard(config(yaml), { index: 0, count: 1 });
    } catch (error) {
      caught = error;
    }
    expect(isMarinaError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(`${file}:5:`);
    expect((caught as Error).message).toContain('integrations[3].shard: shard 1 does not exist: this host runs 1 shard(s), numbered 0 to 0');
  });

  it('refuses a negative or fractional shard in the config', () => {
    expect(() => config('integrations:\n  - { identifier: a, type: fake, shard: -1 }')).toThrow(/integrations\[0\]\.shard/);
    expect(() => config('integrations:\n  - { identifier: a, type: fake, shard: 1.5 }')).toThrow(/integrations\[0\]\.shard/);
  });
});

describe('marina start --shard / MARINA_SHARD', () => {
  async function start(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const code = await runStartCommand(args, {
      env,
      cwd: dir,
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr,
      packageRoot: dir,
      shutdownSignal: new Promise(() => undefined),
      onUnhandledRejection: () => undefined,
      onReloadSignal: () => undefined,
    });
    return { code, stderr: text };
  }

  it('refuses a bad --shard as a usage error (2), naming the flag', async () => {
    const result = await start(['--shard', '3/3'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard the index must be from 0 to 2, got "3/3"');
    expect(result.stderr).toContain('Usage: marina start [--config FILE] [--shard INDEX/COUNT]');
  });

  it('refuses a bad MARINA_SHARD as a configuration error (78), naming the variable', async () => {
    const result = await start([], { MARINA_SHARD: 'second' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('MARINA_SHARD must be "index/count" such as 0/3 (index from 0), got "second"');
  });

  it('refuses a config whose explicit shard does not exist (78), before starting anything', async () => {
    writeFileSync(file, 'integrations:\n  - { identifier: a, type: fake, shard: 4 }\n');
    const result = await start(['--config', file, '--shard', '0/2'], {});
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('integrations[0].shard: shard 4 does not exist: this host runs 2 shard(s), numbered 0 to 1');
  });
});
