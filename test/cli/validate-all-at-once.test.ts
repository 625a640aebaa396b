import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnMarina } from '../support/marina-process.js';

/**
 * `bin/marina validate` tells everything at once: a problem in one stage (the config schema,
 * duplicate identifiers) never hides those of the next (plugin types, each integration's plugin
 * config, jq in local mappings and in plugins' default mappings, the MARINA_* overrides), and
 * `start` refuses an override with the very line `validate` prints.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
let file: string;
let mapping: string;
let plugins: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-validate-'));
  plugins = path.join(dir, 'plugins');
  mkdirSync(plugins);
  writeFileSync(path.join(plugins, 'package.json'), '{ "type": "module" }\n');
  // A plugin whose default mapping has a jq expression jq cannot compile.
  cpSync(path.join(repoRoot, 'test', 'fixtures', 'plugins', 'good'), path.join(plugins, 'good'), { recursive: true });
  mkdirSync(path.join(plugins, 'good', '.port', 'resources'));
  writeFileSync(
    path.join(plugins, 'good', '.port', 'resources', 'port-app-config.yml'),
    ['resources:', '  - kind: item', '    selector:', '      query: "true"', '    port:', '      entity:', '        mappings:', '          identifier: .id', '          blueprint: \'"item"\'', '          title: (.greeting', ''].join('\n'),
  );
  mapping = path.join(dir, 'mapping.yml');
  writeFileSync(
    mapping,
    ['resources:', '  - kind: fake-person', '    selector:', '      query: "true"', '    port:', '      entity:', '        mappings:', '          identifier: .id', '          blueprint: \'"person"\'', '          title: .name | ', ''].join('\n'),
  );
  file = path.join(dir, 'marina.yaml');
  writeFileSync(
    file,
    [
      `plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}, plugins] }`,
      'integrations:',
      '  - identifier: typo',
      '    type: fake',
      '    eventListner: { type: ONCE }',
      '  - identifier: wrong-value',
      '    type: fake',
      '    config: { pageSize: lots }',
      '  - identifier: twice',
      '    type: fake',
      '    mapping: { file: mapping.yml }',
      '  - identifier: twice',
      '    type: fake',
      '  - identifier: unknown',
      '    type: nowhere',
      '  - identifier: good',
      '    type: good',
      '    config: { apiToken: tok-1 }',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('marina validate', () => {
  test('reports the problems of every stage in one run, each with its file, line and path', async () => {
    const validate = spawnMarina(['validate', '--config', file], { cwd: dir, env: { MARINA_LIVE_CONCURRENCY: 'abc', MARINA_HEAP_GROWING_PERCENT: 'lots' } });
    expect(await validate.exit(90_000)).toBe(78);
    const lines = validate.stderr().trim().split('\n');
    expect(lines[0]).toBe('8 problems found:');
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        // The config schema: a typo in one integration...
        `  - ${file}:5:5: integrations[0].eventListner: unknown key "eventListner"; did you mean "eventListener"?`,
        // ...does not hide a wrong value in another's plugin config.
        `  - ${file}:8:25: integrations[1].config.pageSize: must be an integer`,
        // A duplicate identifier does not hide an unknown plugin type.
        `  - ${file}:12:17: integrations[3].identifier: duplicate identifier "twice" (already used by integrations[2])`,
        `  - ${file}:15:11: integrations[4].type: unknown plugin type "nowhere": no folder "nowhere" in ${path.join(repoRoot, 'plugins')}, ${plugins}`,
        // jq in a local mapping file and in a plugin's default mapping, as `marina map` reports it.
        `  - ${mapping}:10:18: resources[0].port.entity.mappings.title: ".name |" is not valid jq (kind "fake-person"): jq: error: syntax error, unexpected end of file at <top-level>, line 1, column 7:`,
        `  - ${path.join(plugins, 'good', '.port', 'resources', 'port-app-config.yml')}:10:18: resources[0].port.entity.mappings.title: "(.greeting" is not valid jq (kind "item"): jq: error: syntax error, unexpected end of file, expecting '|' or ',' or ')' at <top-level>, line 1, column 2:`,
        // The MARINA_* overrides, with the config.
        '  - environment: MARINA_LIVE_CONCURRENCY: must be a positive integer, got "abc"',
        '  - environment: MARINA_HEAP_GROWING_PERCENT: must be a whole number from 0 to 1000 (0: V8\'s own heap sizing), got "lots"',
      ]),
    );
  }, 120_000);

  test('start refuses a bad MARINA_* override with the line validate prints, and exit 78', async () => {
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, `server: { port: 0 }\nplugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }\nintegrations:\n  - { identifier: f, type: fake }\n`);
    const line = 'environment: MARINA_LIVE_CONCURRENCY: must be a positive integer, got "abc"';
    const validate = spawnMarina(['validate', '--config', good], { cwd: dir, env: { MARINA_LIVE_CONCURRENCY: 'abc' } });
    expect(await validate.exit(60_000)).toBe(78);
    expect(validate.stderr()).toBe(`1 problem found:\n  - ${line}\n`);
    const start = spawnMarina(['start', '--config', good], { cwd: dir, env: { MARINA_LIVE_CONCURRENCY: 'abc' } });
    expect(await start.exit(60_000)).toBe(78);
    expect(start.stderr()).toContain(`  - ${line}`);
    expect(start.logLines().some((entry) => entry.msg === 'HTTP server listening')).toBe(false);
    const ok = spawnMarina(['validate', '--config', good], { cwd: dir, env: { MARINA_LIVE_CONCURRENCY: '8' } });
    expect(await ok.exit(60_000)).toBe(0);
  }, 120_000);
});
