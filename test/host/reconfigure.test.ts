import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseHostConfig } from '../../src/config/host-config.js';
import { createTestHost, fixturePlugins } from './host-test-support.js';

describe('Host.reconfigure', () => {
  const head = `plugins:\n  watch: false\n  directories: ${JSON.stringify([fixturePlugins])}\nshutdown:\n  timeoutSeconds: 2\n`;

  it('adds, removes and restarts what changed, and leaves the rest running untouched', async () => {
    const t = createTestHost(`
integrations:
  - identifier: keep
    type: good
    config: { apiToken: keep-1234, markerFile: "\${MARKER}" }
  - identifier: drop
    type: good
    config: { apiToken: drop-1234, markerFile: "\${MARKER}" }
  - identifier: change
    type: good
    config: { apiToken: change-1234, greeting: hi, markerFile: "\${MARKER}" }
`);
    await t.host.start();
    const keptBefore = t.host.integration('keep');
    const startedAt = keptBefore?.snapshot().startedAt;
    const marker = path.join(t.dir, 'marker.txt');
    const file = path.join(t.dir, 'marina.yaml');
    const text = `${head}server: { port: 9999 }\nintegrations:
  - identifier: added
    type: good
    config: { apiToken: added-1234 }
  - identifier: change
    type: good
    config: { apiToken: change-1234, greeting: hello, markerFile: "${marker}" }
  - identifier: keep
    type: good
    config: { apiToken: keep-1234, markerFile: "${marker}" }
`;
    writeFileSync(file, text);
    const next = parseHostConfig(text, file, {}, { pluginDirectories: [], dataDir: path.join(t.dir, '.marina') });
    const result = await t.host.reconfigure(next);
    expect(result).toEqual({ added: ['added'], removed: ['drop'], changed: ['change'], unchanged: ['keep'], needsRestart: ['server'] });
    expect(t.host.integrations().map((i) => [i.identifier, i.status])).toEqual([
      ['added', 'running'],
      ['change', 'running'],
      ['keep', 'running'],
    ]);
    expect(t.host.integration('keep')).toBe(keptBefore);
    expect(t.host.integration('keep')?.snapshot().startedAt).toBe(startedAt);
    expect(t.host.integration('change')?.snapshot().config).toMatchObject({ greeting: 'hello' });
    expect(readFileSync(marker, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['closed change aborted=true', 'closed drop aborted=true']);
    expect(t.host.config.server.port).not.toBe(9999);
    await t.host.stop();
  });

  it('changes nothing when the new config would refuse a start', async () => {
    const t = createTestHost(`
integrations:
  - identifier: keep
    type: good
    config: { apiToken: keep-1234 }
`);
    await t.host.start();
    const file = path.join(t.dir, 'marina.yaml');
    const text = `${head}integrations:\n  - identifier: other\n    type: no-such-plugin\n`;
    const next = parseHostConfig(text, file, {}, { pluginDirectories: [], dataDir: path.join(t.dir, '.marina') });
    await expect(t.host.reconfigure(next)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('unknown plugin type "no-such-plugin"') });
    expect(t.host.integrations().map((i) => [i.identifier, i.status])).toEqual([['keep', 'running']]);
    await t.host.stop();
  });
});
