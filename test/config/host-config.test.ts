import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MarinaError } from '../../src/errors.js';
import { loadHostConfig, parseHostConfig } from '../../src/config/host-config.js';
import { readOceanEnv } from '../../src/config/ocean-env.js';
import type { Problem } from '../../src/config/problems.js';

const dir = mkdtempSync(path.join(tmpdir(), 'marina-config-'));
mkdirSync(path.join(dir, 'plugins'));
const defaults = { pluginDirectories: [path.join(dir, 'default-plugins')], dataDir: path.join(dir, '.marina') };
const file = path.join(dir, 'marina.yaml');

function problemsOf(fn: () => unknown): { code: string; problems: Problem[]; message: string } {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof MarinaError)) throw error;
    return { code: error.code, problems: error.details['problems'] as Problem[], message: error.message };
  }
  throw new Error('expected the config to be rejected');
}

describe('host config', () => {
  it('applies defaults, interpolates ${VAR} and ${VAR:-default}, resolves paths from the file', () => {
    writeFileSync(path.join(dir, 'mapping.yml'), 'resources: []\n');
    const config = parseHostConfig(
      `
port:
  clientId: \${PORT_CLIENT_ID}
  clientSecret: \${PORT_CLIENT_SECRET}
server:
  port: \${HTTP_PORT:-9000}
plugins:
  directories: [plugins]
integrations:
  - identifier: jira-acme
    type: jira
    config: { jiraHost: "https://\${JIRA_HOST}", literal: "$\${NOT_A_VAR}" }
    mapping: { file: mapping.yml }
`,
      file,
      { PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 'secret', JIRA_HOST: 'acme.atlassian.net' },
      defaults,
    );
    expect(config.server).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(config.log).toEqual({ level: 'info', format: 'auto' });
    expect(config.port).toEqual({ baseUrl: 'https://api.getport.io', clientId: 'id', clientSecret: 'secret' });
    expect(config.plugins).toEqual({ directories: [path.join(dir, 'plugins')], watch: true, debounceMs: 300, setupTimeoutSeconds: 60 });
    expect(config.dataDir).toBe(defaults.dataDir);
    expect(config.resync).toEqual({ maxConcurrent: 4, pageTimeoutSeconds: 300, progressLogSeconds: 30 });
    expect(config.live).toEqual({ concurrency: 32, dedupeMinutes: 10, bodyLimitBytes: 5 * 1024 * 1024 });
    expect(config.integrations).toEqual([
      {
        identifier: 'jira-acme',
        type: 'jira',
        enabled: true,
        config: { jiraHost: 'https://acme.atlassian.net', literal: '${NOT_A_VAR}' },
        eventListener: { type: 'POLLING' },
        scheduledResyncInterval: null,
        initializePortResources: true,
        allowEnvironmentVariablesJqAccess: false,
        mapping: { source: 'file', file: path.join(dir, 'mapping.yml') },
        origin: { file, path: ['integrations', 0], style: 'yaml' },
      },
    ]);
  });

  it('reads resync and live-event settings and per-integration env access for mappings', () => {
    const config = parseHostConfig(
      `
resync: { maxConcurrent: 8, pageTimeoutSeconds: 30, progressLogSeconds: 0.5 }
log: { level: debug, format: pretty }
live: { concurrency: 4, dedupeMinutes: 2.5, bodyLimitBytes: 65536 }
integrations:
  - { identifier: a, type: fake, allowEnvironmentVariablesJqAccess: true }
`,
      file,
      {},
      defaults,
    );
    expect(config.resync).toEqual({ maxConcurrent: 8, pageTimeoutSeconds: 30, progressLogSeconds: 0.5 });
    expect(config.log).toEqual({ level: 'debug', format: 'pretty' });
    expect(config.live).toEqual({ concurrency: 4, dedupeMinutes: 2.5, bodyLimitBytes: 65536 });
    expect(config.integrations[0]?.allowEnvironmentVariablesJqAccess).toBe(true);
    const bad = problemsOf(() => parseHostConfig('resync: { maxConcurrent: 0, pageTimout: 3, progressLogSeconds: 0 }\nlive: { bodyLimitBytes: -1 }\nlog: { format: fancy }\n', file, {}, defaults));
    expect(bad.problems.map((problem) => problem.path).sort()).toEqual(['live.bodyLimitBytes', 'log.format', 'resync.maxConcurrent', 'resync.pageTimout', 'resync.progressLogSeconds']);
  });

  it('an empty file is a host with no integrations on the embedded Port', () => {
    const config = parseHostConfig('', file, {}, defaults);
    expect(config.integrations).toEqual([]);
    expect(config.port).toBeUndefined();
    expect(config.plugins.directories).toEqual(defaults.pluginDirectories);
  });

  it('lists every problem at once with file, YAML path, line and column', () => {
    const { code, problems, message } = problemsOf(() =>
      parseHostConfig(
        [
          'server:',
          '  prot: 8000',
          'integrations:',
          '  - identifier: a',
          '    type: fake',
          '  - identifier: a',
          '    type: fake',
          '    eventListener:',
          '      type: SOMETIMES',
          '    scheduledResyncInterval: often',
          '  - type: fake',
          '    token: ${GITHUB_TOKEN}',
        ].join('\n'),
        file,
        {},
        defaults,
      ),
    );
    expect(code).toBe('CONFIG_INVALID');
    expect(problems).toEqual(
      expect.arrayContaining([
        { file, path: 'integrations[2].token', line: 12, column: 12, message: 'environment variable GITHUB_TOKEN is not set (use ${GITHUB_TOKEN:-default} for a default)' },
        { file, path: 'server.prot', line: 2, column: 3, message: 'unknown key "prot"; did you mean "port"?' },
        { file, path: 'integrations[1].eventListener.type', line: 9, column: 13, message: expect.stringMatching(/^must be one of "POLLING", "KAFKA"/) },
        { file, path: 'integrations[1].scheduledResyncInterval', line: 10, column: 30, message: 'must be an integer or a null' },
        { file, path: 'integrations[2]', line: 11, column: 5, message: 'missing required key "identifier"' },
        expect.objectContaining({ path: 'integrations[2].token', line: 12, column: 5, message: expect.stringMatching(/^unknown key "token"/) }),
      ]),
    );
    expect(message).toContain(`${file}:2:3: server.prot: unknown key "prot"`);
  });

  it('reports duplicate identifiers (once the shape is right)', () => {
    const { problems } = problemsOf(() =>
      parseHostConfig('integrations:\n  - { identifier: a, type: fake }\n  - { identifier: a, type: fake }\n', file, {}, defaults),
    );
    expect(problems).toEqual([
      { file, path: 'integrations[1].identifier', line: 3, column: 19, message: 'duplicate identifier "a" (already used by integrations[0])' },
    ]);
  });

  it('reports a missing environment variable on its own as CONFIG_MISSING_ENV', () => {
    const { code, problems } = problemsOf(() => parseHostConfig('port:\n  clientId: ${ID}\n  clientSecret: x\n', file, {}, defaults));
    expect(code).toBe('CONFIG_MISSING_ENV');
    expect(problems).toEqual([expect.objectContaining({ path: 'port.clientId', line: 2, message: expect.stringContaining('ID is not set') })]);
  });

  it('reports malformed YAML with its position', () => {
    const { code, problems } = problemsOf(() => parseHostConfig('integrations:\n  - identifier: a\n   type: [fake\n', file, {}, defaults));
    expect(code).toBe('CONFIG_PARSE_FAILED');
    expect(problems[0]).toMatchObject({ file, line: expect.any(Number) });
  });

  it('reports a missing mapping file and plugin directory', () => {
    const { problems } = problemsOf(() =>
      parseHostConfig('plugins: { directories: [nowhere] }\nintegrations:\n  - { identifier: a, type: fake, mapping: { file: nope.yml } }\n', file, {}, defaults),
    );
    expect(problems.map((p) => p.path)).toEqual(['integrations[0].mapping.file', 'plugins.directories[0]']);
  });

  it('says when the file does not exist', async () => {
    await expect(loadHostConfig(path.join(dir, 'missing.yaml'), {}, defaults)).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });
});

describe('Ocean environment variables', () => {
  it('build a single integration as Ocean would run it', () => {
    const { config, ignored } = readOceanEnv(
      {
        OCEAN__PORT__CLIENT_ID: 'cid',
        OCEAN__PORT__CLIENT_SECRET: 'csecret',
        OCEAN__PORT__BASE_URL: 'https://api.us.getport.io/',
        OCEAN__INTEGRATION__TYPE: 'Jira',
        OCEAN__INTEGRATION__CONFIG__JIRA_HOST: 'https://acme.atlassian.net',
        OCEAN__INTEGRATION__CONFIG__ATLASSIAN_USER_TOKEN: 'tok',
        OCEAN__EVENT_LISTENER__TYPE: 'polling',
        OCEAN__EVENT_LISTENER__INTERVAL: '30',
        OCEAN__SCHEDULED_RESYNC_INTERVAL: '120',
        OCEAN__INITIALIZE_PORT_RESOURCES: 'false',
        OCEAN__ALLOW_ENVIRONMENT_VARIABLES_JQ_ACCESS: 'true',
        OCEAN__SEND_RAW_DATA_EXAMPLES: 'true',
        APPLICATION__PORT: '8080',
        APPLICATION__LOG_LEVEL: 'WARNING',
        UNRELATED: 'x',
      },
      defaults,
    );
    expect(config.port).toEqual({ clientId: 'cid', clientSecret: 'csecret', baseUrl: 'https://api.us.getport.io' });
    expect(config.server.port).toBe(8080);
    expect(config.log.level).toBe('warn');
    expect(config.integrations).toEqual([
      expect.objectContaining({
        identifier: 'my-jira-integration',
        type: 'jira',
        config: { jiraHost: 'https://acme.atlassian.net', atlassianUserToken: 'tok' },
        eventListener: { type: 'POLLING', interval: 30 },
        scheduledResyncInterval: 120,
        initializePortResources: false,
        allowEnvironmentVariablesJqAccess: true,
      }),
    ]);
    expect(ignored).toEqual(['OCEAN__SEND_RAW_DATA_EXAMPLES']);
  });

  it('accept a whole object as JSON and name the variable of a bad value', () => {
    const { config } = readOceanEnv({ OCEAN__INTEGRATION__TYPE: 'fake', OCEAN__EVENT_LISTENER: '{"type":"ONCE"}' }, defaults);
    expect(config.integrations[0]?.eventListener).toEqual({ type: 'ONCE' });
    expect(() => readOceanEnv({ OCEAN__INTEGRATION__TYPE: 'fake', OCEAN__EVENT_LISTENER__TYPE: 'CARRIER_PIGEON' }, defaults)).toThrow(
      /OCEAN__EVENT_LISTENER__TYPE: must be one of/,
    );
  });
});
