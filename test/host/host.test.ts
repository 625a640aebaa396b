import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MarinaError } from '../../src/errors.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestHost, fixturePlugins, type TestHost } from './host-test-support.js';

const SECRET = 'tok-9f8e7d6c5b4a';

describe('host with fixture plugins', () => {
  let t: TestHost;
  let app: ReturnType<typeof createHttpServer>;
  let url: string;

  beforeAll(async () => {
    t = createTestHost(`
integrations:
  - identifier: good-a
    type: good
    config: { apiToken: ${SECRET}, markerFile: "\${MARKER}" }
  - identifier: setup-throws
    type: throws-in-setup
    config: { apiToken: ${SECRET} }
  - identifier: syntax-error
    type: broken-syntax
    config: { apiToken: ${SECRET} }
  - identifier: wrong-export
    type: wrong-export
    config: { apiToken: ${SECRET} }
  - identifier: bad-config
    type: good
    config: { greeting: [1, 2], colour: blue }
  - identifier: good-b
    type: good
    config: { apiToken: ${SECRET}, markerFile: "\${MARKER}" }
`);
    await t.host.start();
    app = createHttpServer({ host: t.host, metrics: t.metrics, logger: createLogger({ redactor: t.redactor, destination: { write: t.logs.write } }), version: '9.9.9' });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await t?.host.stop();
  });

  const get = async (route: string) => {
    const response = await fetch(`${url}${route}`);
    return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
  };

  it('runs the good integrations and isolates each failure with its code', () => {
    const statuses = Object.fromEntries(t.host.integrations().map((i) => [i.identifier, [i.status, i.snapshot().error?.code ?? null]]));
    expect(statuses).toEqual({
      'good-a': ['running', null],
      'good-b': ['running', null],
      'setup-throws': ['failed', 'PLUGIN_SETUP_FAILED'],
      'syntax-error': ['failed', 'PLUGIN_LOAD_FAILED'],
      'wrong-export': ['failed', 'PLUGIN_INVALID_EXPORT'],
      'bad-config': ['failed', 'PLUGIN_CONFIG_INVALID'],
    });
  });

  it('explains each failure with the file or the config path', () => {
    const error = (id: string) => t.host.integration(id)?.snapshot().error?.message ?? '';
    expect(error('syntax-error')).toMatch(/broken-syntax[/\\]index\.js/);
    expect(error('wrong-export')).toMatch(/must default-export the result of defineIntegration.*got a function/);
    expect(error('bad-config')).toContain('integrations[4].config: missing required key "apiToken"');
    expect(error('bad-config')).toMatch(/marina\.yaml:\d+:\d+: integrations\[4\]\.config\.greeting: must be a string/);
    expect(error('bad-config')).toContain('integrations[4].config.colour: unknown key "colour"');
    expect(error('setup-throws')).toContain('cannot reach the API with token [REDACTED]');
  });

  it('serves health, metrics and the integrations API over HTTP', async () => {
    expect(JSON.parse((await get('/health/live')).text)).toEqual({ status: 'healthy', check: 'live', core_version: '9.9.9' });
    expect((await get('/health/ready')).status).toBe(200);
    const list = JSON.parse((await get('/api/integrations')).text);
    expect(list.hostState).toBe('running');
    expect(list.integrations.map((i: { identifier: string }) => i.identifier)).toEqual(['good-a', 'setup-throws', 'syntax-error', 'wrong-export', 'bad-config', 'good-b']);
    const one = JSON.parse((await get('/api/integrations/good-a')).text);
    expect(one).toMatchObject({ identifier: 'good-a', type: 'good', version: '1.2.3', status: 'running', kinds: ['item'], config: { apiToken: '[REDACTED]' } });
    expect((await get('/api/integrations/nope')).status).toBe(404);
    const metrics = await get('/metrics');
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.text).toContain('marina_integration_status{integration="good-a",status="running"} 1');
    expect(metrics.text).toContain('marina_integration_status{integration="setup-throws",status="failed"} 1');
    for (const line of metrics.text.split('\n').filter((l) => l.startsWith('marina_'))) expect(line).toContain('integration="');
  });

  it('never lets a secret reach the logs or the API, even inside error messages', async () => {
    const api = (await get('/api/integrations')).text;
    expect(api).not.toContain(SECRET);
    expect(t.logs.text()).toContain('connecting with token [REDACTED]');
    expect(t.logs.text()).not.toContain(SECRET);
    expect(t.logs.text()).not.toContain('port-client-secret-1');
  });

  it('runs tracked work with a signal and refuses work for a failed integration', async () => {
    const good = t.host.integration('good-a');
    await expect(good?.run(async (signal) => signal.aborted)).resolves.toBe(false);
    await expect(t.host.integration('setup-throws')?.run(async () => 1)).rejects.toMatchObject({ code: 'HOST_NOT_RUNNING' });
  });
});

describe('disabled integrations', () => {
  it('are listed as stopped and never set up', async () => {
    const t = createTestHost(`
integrations:
  - identifier: off
    type: good
    enabled: false
    config: { apiToken: x1234, markerFile: "\${MARKER}" }
`);
    await t.host.start();
    expect(t.host.integration('off')?.snapshot()).toMatchObject({ status: 'stopped', enabled: false, error: null, version: null });
    expect(t.logs.text()).not.toContain('connecting with token');
    await t.host.stop();
  });
});

describe('refusing to start', () => {
  it('lists an unknown plugin type and a plugin folder without a spec, with file and path', async () => {
    const t = createTestHost(`
integrations:
  - identifier: a
    type: does-not-exist
  - identifier: b
    type: no-spec
`);
    const error = await t.host.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MarinaError);
    expect((error as MarinaError).code).toBe('CONFIG_INVALID');
    const message = (error as MarinaError).message;
    expect(message).toMatch(/marina\.yaml:9:11: integrations\[0\]\.type: unknown plugin type "does-not-exist"/);
    expect(message).toMatch(/no-spec[/\\]\.port: no spec file/);
    expect(t.host.state).toBe('stopped');
  });
});

describe('stopping', () => {
  it('aborts in-flight work, waits for it, and closes plugins in reverse order', async () => {
    const t = createTestHost(`
integrations:
  - identifier: first
    type: slow-close
    config: { apiToken: x1234, markerFile: "\${MARKER}" }
  - identifier: second
    type: good
    config: { apiToken: x1234, markerFile: "\${MARKER}" }
`);
    await t.host.start();
    const events: string[] = [];
    const work = t.host.integration('second')!.run(
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => {
            events.push('work saw abort');
            setTimeout(() => resolve('stopped cleanly'), 50);
          });
        }),
    );
    const { clean } = await t.host.stop();
    await expect(work).resolves.toBe('stopped cleanly');
    expect(clean).toBe(true);
    expect(events).toEqual(['work saw abort']);
    expect(readFileSync(path.join(t.dir, 'marker.txt'), 'utf8')).toBe('closed second aborted=true\nclosed first aborted=true\n');
    expect(t.host.integrations().map((i) => i.status)).toEqual(['stopped', 'stopped']);
  });

  it('reports an unclean stop when work ignores its signal past the deadline', async () => {
    const t = createTestHost(`
integrations:
  - identifier: stubborn
    type: good
    config: { apiToken: x1234 }
`);
    await t.host.start();
    let release: () => void = () => undefined;
    void t.host.integration('stubborn')!.run(() => new Promise<void>((resolve) => (release = resolve)));
    const { clean } = await t.host.stop({ timeoutMs: 100 });
    release();
    expect(clean).toBe(false);
    expect(t.logs.text()).toContain('in-flight work did not stop before the deadline');
  });
});

describe('plugin discovery', () => {
  it('finds plugin folders by entry file or .port folder, first directory winning', async () => {
    const { discoverPlugins } = await import('../../src/host/plugin-loader.js');
    const found = discoverPlugins([fixturePlugins, path.join(fixturePlugins, '..')]);
    expect([...found.keys()].sort()).toEqual(['broken-syntax', 'good', 'no-spec', 'slow-close', 'throws-in-setup', 'wrong-export']);
    expect(found.get('good')).toBe(path.join(fixturePlugins, 'good'));
  });
});
