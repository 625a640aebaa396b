import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixturePlugins, repoRoot } from './host-test-support.js';

function marina(args: string[], env: Record<string, string> = {}, cwd = repoRoot) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'marina'), ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', MARINA_FROM_SOURCE: '1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(path.join(tmpdir(), 'marina-cli-'));
const plugins = path.join(dir, 'plugins');
mkdirSync(plugins);
writeFileSync(path.join(plugins, 'package.json'), '{ "type": "module" }\n');
for (const name of ['good', 'wrong-export', 'no-spec']) cpSync(path.join(fixturePlugins, name), path.join(plugins, name), { recursive: true });
writeFileSync(path.join(dir, 'mapping.yml'), 'resources:\n  - kind: item\n    selector: { query: "true" }\n    port:\n      entity:\n        mappings: { identifier: .id, blueprint: \'"item"\' }\n');

describe('bin/marina validate', () => {
  it('accepts a good config and says so', () => {
    const file = path.join(dir, 'good.yaml');
    writeFileSync(file, 'plugins: { directories: [plugins] }\nintegrations:\n  - identifier: a\n    type: good\n    config:\n      apiToken: ${TOKEN}\n    mapping: { file: mapping.yml }\n');
    const result = marina(['validate', '--config', file], { TOKEN: 'secret-1234' });
    expect(result).toMatchObject({ code: 0, stdout: `${file}: OK (1 integration)\n` });
  });

  it('lists every problem of the config, its plugins and their configs at once, and exits 78', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'plugins: { directories: [plugins] }',
        'integrations:',
        '  - identifier: a',
        '    type: good',
        '    config: { greeting: [1] }',
        '  - identifier: b',
        '    type: wrong-export',
        '  - identifier: c',
        '    type: no-spec',
        '  - identifier: d',
        '    type: nowhere',
      ].join('\n'),
    );
    const result = marina(['validate', '--config', file]);
    expect(result.code).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('6 problems found:');
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        `  - ${path.join(plugins, 'no-spec', '.port')}: no spec file: expected one of .port/spec.json, .port/spec.yaml, .port/spec.yml`,
        `  - ${file}:11:11: integrations[3].type: unknown plugin type "nowhere": no folder "nowhere" in ${plugins}`,
        expect.stringMatching(/^ {2}- .*wrong-export[/\\]index\.js: Plugin "wrong-export" .* must default-export/),
        `  - ${file}:5:13: integrations[0].config: missing required key "apiToken"`,
        `  - ${file}:5:25: integrations[0].config.greeting: must be a string`,
        // The plugin's code does not load; its config is still checked against the spec's schema.
        `  - ${file}:6:5: integrations[1].config: missing required key "apiToken"`,
      ]),
    );
  });

  it('names a missing environment variable and where it is used', () => {
    const file = path.join(dir, 'env.yaml');
    writeFileSync(file, 'port:\n  clientId: ${PORT_CLIENT_ID}\n  clientSecret: ${PORT_CLIENT_SECRET:-fallback}\n');
    const result = marina(['validate', '--config', file]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`${file}:2:13: port.clientId: environment variable PORT_CLIENT_ID is not set`);
    expect(result.stderr).not.toContain('clientSecret');
  });

  it('takes an Ocean operator environment unchanged', () => {
    const ocean = {
      OCEAN__INTEGRATION__TYPE: 'good',
      OCEAN__INTEGRATION__IDENTIFIER: 'ocean-style',
      OCEAN__INTEGRATION__CONFIG__API_TOKEN: 'tok-1234',
      OCEAN__EVENT_LISTENER__TYPE: 'POLLING',
      OCEAN__PORT__CLIENT_ID: 'id',
      OCEAN__PORT__CLIENT_SECRET: 'secret',
      MARINA_PLUGIN_DIRS: plugins,
    };
    expect(marina(['validate'], ocean, dir)).toMatchObject({ code: 0, stdout: 'environment (OCEAN__* variables): OK (1 integration)\n' });
    // The same settings from an Ocean `.env` file in the working directory.
    const envDir = mkdtempSync(path.join(tmpdir(), 'marina-dotenv-'));
    writeFileSync(path.join(envDir, '.env'), Object.entries(ocean).map(([key, value]) => `${key}=${value}`).join('\n'));
    expect(marina(['validate'], {}, envDir)).toMatchObject({ code: 0, stdout: 'environment (OCEAN__* variables): OK (1 integration)\n' });
    const { OCEAN__INTEGRATION__CONFIG__API_TOKEN: _token, ...withoutToken } = ocean;
    const result = marina(['validate'], withoutToken, dir);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('environment (OCEAN__* variables): OCEAN__INTEGRATION__CONFIG: missing required key "apiToken"');
  });

  it('start refuses an invalid config with the same messages and exit 78', () => {
    const file = path.join(dir, 'start-bad.yaml');
    writeFileSync(file, 'server: { port: 0 }\nport: { clientId: a, clientSecret: b }\nplugins: { directories: [plugins] }\nintegrations:\n  - identifier: x\n    type: nowhere\n');
    const result = marina(['start', '--config', file]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`${file}:6:11: integrations[0].type: unknown plugin type "nowhere"`);
  });

  it('scaffolds a plugin with `new` that `list` shows and `validate` accepts, mapping included', () => {
    const scaffoldDir = mkdtempSync(path.join(tmpdir(), 'marina-new-'));
    const created = marina(['new', 'acme-cloud', '--dir', scaffoldDir]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Created plugin "acme-cloud" in ${path.join(scaffoldDir, 'acme-cloud')}`);
    expect(marina(['new', 'acme-cloud', '--dir', scaffoldDir]).code).toBe(1);
    expect(marina(['new', 'Not_Kebab', '--dir', scaffoldDir])).toMatchObject({ code: 2, stderr: expect.stringContaining('not a kebab-case plugin name') });
    const file = path.join(scaffoldDir, 'marina.yaml');
    writeFileSync(
      file,
      [
        'plugins: { directories: [.] }',
        'integrations:',
        '  - identifier: acme',
        '    type: acme-cloud',
        '    config: { baseUrl: "https://api.acme.test/", token: "${ACME_TOKEN}" }',
        '    mapping: { file: acme-cloud/.port/resources/port-app-config.yml }',
      ].join('\n'),
    );
    const validated = marina(['validate', '--config', file], { ACME_TOKEN: 'tok-1234' });
    expect(validated).toMatchObject({ code: 0, stdout: `${file}: OK (1 integration)\n` });
    const list = marina(['list', '--config', file, '--json'], { ACME_TOKEN: 'tok-1234' });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      { type: 'acme-cloud', version: '0.1.0', title: 'acme-cloud', kinds: ['acme-cloud-item'], dir: path.join(scaffoldDir, 'acme-cloud'), integrations: ['acme'], problem: null },
    ]);
    const table = marina(['list', '--config', file], { ACME_TOKEN: 'tok-1234' });
    expect(table.stdout.split('\n')[1]).toMatch(/^acme-cloud\s+0\.1\.0\s+acme-cloud-item\s+acme\s+ok$/);
  });

  it('rejects an unknown command and bad flags with usage and exit 2', () => {
    expect(marina(['sail-away'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown command "sail-away"') });
    expect(marina(['validate', '--nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: marina validate') });
  });
});

describe('bin/marina heap sizing', () => {
  it('refuses a bad MARINA_HEAP_GROWING_PERCENT with exit 78, naming the variable', () => {
    const result = marina(['version'], { MARINA_HEAP_GROWING_PERCENT: 'lots' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('MARINA_HEAP_GROWING_PERCENT must be a whole number from 0 to 1000');
    expect(marina(['version'], { MARINA_HEAP_GROWING_PERCENT: '0' }).code).toBe(0);
  });
});
