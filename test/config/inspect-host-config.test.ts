import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspectHostConfig, parseHostConfig } from '../../src/config/host-config.js';
import { inspectOceanEnv, readOceanEnv } from '../../src/config/ocean-env.js';

/**
 * The config stage reports every problem and still hands the later checks (plugins, mappings)
 * what is usable; the MARINA_* overrides are read and checked with the config.
 */
let dir: string;
let file: string;
let defaults: { pluginDirectories: string[]; dataDir: string };
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-inspect-'));
  file = path.join(dir, 'marina.yaml');
  defaults = { pluginDirectories: [path.join(dir, 'plugins')], dataDir: path.join(dir, '.marina') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('inspecting a host config', () => {
  it('keeps every integration it can, at its position, with refused values dropped and their defaults applied', () => {
    const text = [
      'server: { port: lots }',
      'integrations:',
      '  - identifier: typo',
      '    type: fake',
      '    eventListner: { type: ONCE }',
      '    config: { token: t }',
      '  - identifier: bad listener',
      '    type: fake',
      '  - identifier: wrong-listener',
      '    type: fake',
      '    eventListener: { type: SOMETIMES }',
      '    scheduledResyncInterval: 0',
      '  - identifier: fine',
      '    type: other',
      '  - identifier: fine',
      '    type: other',
    ].join('\n');
    const { config, problems, error } = inspectHostConfig(text, file, {}, defaults);
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(problems.map((problem) => `${problem.line}: ${problem.path}: ${problem.message}`)).toEqual([
      '1: server.port: must be an integer',
      '5: integrations[0].eventListner: unknown key "eventListner"; did you mean "eventListener"?',
      '7: integrations[1].identifier: must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
      '11: integrations[2].eventListener.type: must be one of "POLLING", "KAFKA", "WEBHOOK", "ONCE", "WEBHOOKS_ONLY", "ACTIONS_ONLY"',
      '12: integrations[2].scheduledResyncInterval: must be >= 1',
      '15: integrations[4].identifier: duplicate identifier "fine" (already used by integrations[3])',
    ]);
    expect(config?.server).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(config?.integrations.map((integration) => [integration.identifier, integration.origin.path])).toEqual([
      ['typo', ['integrations', 0]],
      ['wrong-listener', ['integrations', 2]],
      ['fine', ['integrations', 3]],
      ['fine', ['integrations', 4]],
    ]);
    expect(config?.integrations[0]).toMatchObject({ config: { token: 't' }, eventListener: { type: 'POLLING' } });
    expect(config?.integrations[1]).toMatchObject({ eventListener: { type: 'POLLING' }, scheduledResyncInterval: null });
  });

  it('throws for the same problems when parsing for a start', () => {
    expect(() => parseHostConfig('integrations:\n  - { identifier: a, type: fake, eventListner: {} }\n', file, {}, defaults)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('integrations[0].eventListner: unknown key') }),
    );
  });

  it('applies the MARINA_* overrides and reports a bad one as a problem of the environment', () => {
    const text = 'resync: { maxConcurrent: 2 }\nlive: { concurrency: 4 }\n';
    const env = { MARINA_MAX_CONCURRENT_RESYNCS: '6', MARINA_RESYNC_PAGE_TIMEOUT_SECONDS: '1.5', MARINA_WEBHOOK_DEDUPE_MINUTES: '0.5', MARINA_WEBHOOK_BODY_LIMIT_BYTES: '1024' };
    expect(parseHostConfig(text, file, env, defaults)).toMatchObject({
      resync: { maxConcurrent: 6, pageTimeoutSeconds: 1.5 },
      live: { concurrency: 4, dedupeMinutes: 0.5, bodyLimitBytes: 1024 },
    });
    const bad = inspectHostConfig(text, file, { MARINA_LIVE_CONCURRENCY: 'abc', MARINA_MAX_CONCURRENT_RESYNCS: '2.5', MARINA_RESYNC_PAGE_TIMEOUT_SECONDS: '-1', MARINA_HEAP_GROWING_PERCENT: '50%' }, defaults);
    expect(bad.error?.code).toBe('CONFIG_INVALID');
    expect(bad.problems).toEqual([
      { file: 'environment', path: 'MARINA_MAX_CONCURRENT_RESYNCS', message: 'must be a positive integer, got "2.5"' },
      { file: 'environment', path: 'MARINA_RESYNC_PAGE_TIMEOUT_SECONDS', message: 'must be a positive number, got "-1"' },
      { file: 'environment', path: 'MARINA_LIVE_CONCURRENCY', message: 'must be a positive integer, got "abc"' },
      { file: 'environment', path: 'MARINA_HEAP_GROWING_PERCENT', message: 'must be a whole number from 0 to 1000 (0: V8\'s own heap sizing), got "50%"' },
    ]);
    // An override problem is there even when the file has problems of its own.
    const both = inspectHostConfig('server: { port: lots }\n', file, { MARINA_LIVE_CONCURRENCY: 'abc' }, defaults);
    expect(both.problems.map((problem) => problem.path)).toEqual(['server.port', 'MARINA_LIVE_CONCURRENCY']);
  });

  it("checks the overrides with Ocean's variables too", () => {
    const ocean = { OCEAN__INTEGRATION__TYPE: 'fake', OCEAN__PORT__CLIENT_ID: 'id', OCEAN__PORT__CLIENT_SECRET: 'secret' };
    expect(readOceanEnv({ ...ocean, MARINA_LIVE_CONCURRENCY: '3' }, defaults).config.live.concurrency).toBe(3);
    const bad = inspectOceanEnv({ ...ocean, MARINA_LIVE_CONCURRENCY: 'abc', OCEAN__EVENT_LISTENER__TYPE: 'SOMETIMES' }, defaults);
    expect(bad.error?.code).toBe('CONFIG_INVALID');
    expect(bad.problems.map((problem) => problem.path)).toEqual(['OCEAN__EVENT_LISTENER__TYPE', 'MARINA_LIVE_CONCURRENCY']);
    expect(bad.config?.integrations[0]).toMatchObject({ identifier: 'my-fake-integration', eventListener: { type: 'POLLING' } });
  });
});
