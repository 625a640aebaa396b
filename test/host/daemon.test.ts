import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseHostConfig } from '../../src/config/host-config.js';
import { startDaemon } from '../../src/host/daemon.js';
import { createCapture, fixturePlugins } from './host-test-support.js';

function configWithout(portSection: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-daemon-'));
  const file = path.join(dir, 'marina.yaml');
  const text = `server: { port: 0 }\n${portSection}plugins: { directories: ${JSON.stringify([fixturePlugins])}, watch: false }\nintegrations:\n  - { identifier: a, type: good, config: { apiToken: daemon-secret-1 } }\n`;
  writeFileSync(file, text);
  return parseHostConfig(text, file, {}, { pluginDirectories: [], dataDir: path.join(dir, '.marina') });
}

describe('startDaemon', () => {
  it('runs the embedded local Port when no Port credentials are configured, and closes it on stop', async () => {
    const logs = createCapture();
    const daemon = await startDaemon({
      config: configWithout(''),
      env: {},
      version: '0.0.1',
      logDestination: { write: logs.write },
      importModule: (entry) => import(pathToFileURL(entry).href),
    });
    const port = daemon.port;
    expect(port?.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The integrations' Port answers: the emulator issues tokens for the generated credentials.
    const token = await fetch(`${port?.baseUrl}/v1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: port?.clientId, clientSecret: port?.clientSecret }),
    });
    expect(token.status).toBe(200);
    expect((await fetch(`${daemon.url}/health/ready`)).status).toBe(200);
    expect(logs.lines().find((line) => String(line['msg']).startsWith('no Port organization configured: the embedded local Port runs at'))).toMatchObject({ url: port?.baseUrl, fixedCredentials: false });
    expect(await daemon.stop()).toEqual({ clean: true });
    await expect(fetch(`${port?.baseUrl}/v1/auth/access_token`, { method: 'POST' })).rejects.toThrow();
    // The generated credentials are secrets too.
    expect(logs.text()).not.toContain(port?.clientSecret ?? 'unset');
    expect(logs.text()).not.toContain('daemon-secret-1');
  });

  it('says which address is taken when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const config = configWithout('port: { clientId: id-1, clientSecret: secret-1 }\n');
    config.server.port = (blocker.address() as AddressInfo).port;
    try {
      await expect(
        startDaemon({ config, env: {}, version: '0.0.1', logDestination: { write: () => undefined }, importModule: (entry) => import(pathToFileURL(entry).href) }),
      ).rejects.toMatchObject({ code: 'HOST_LISTEN_FAILED', message: expect.stringContaining(`Cannot listen on 127.0.0.1:${config.server.port}: the address is already in use`) });
    } finally {
      blocker.close();
    }
  });

  it('refuses to start when the embedded Port\'s fixed port is taken, naming the setting', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as AddressInfo).port;
    const config = configWithout(`port: { embedded: { port: ${taken} } }\n`);
    const logs = createCapture();
    try {
      await expect(
        startDaemon({ config, env: {}, version: '0.0.1', logDestination: { write: logs.write }, importModule: (entry) => import(pathToFileURL(entry).href) }),
      ).rejects.toMatchObject({
        code: 'HOST_LISTEN_FAILED',
        message: `The embedded Port cannot listen on 127.0.0.1:${taken}: the address is already in use (set port.embedded.port in ${config.source})`,
      });
      expect(logs.lines().at(-1)).toMatchObject({ level: 60, code: 'HOST_LISTEN_FAILED' });
    } finally {
      blocker.close();
    }
  });

  it('uses the configured Port and rethrows a refused start after cleaning up', async () => {
    const config = configWithout('port: { baseUrl: "http://127.0.0.1:9", clientId: id-1, clientSecret: secret-1 }\n');
    config.integrations[0] = { ...config.integrations[0]!, type: 'missing-plugin' };
    const logs = createCapture();
    await expect(
      startDaemon({ config, env: {}, version: '0.0.1', logDestination: { write: logs.write }, importModule: (entry) => import(pathToFileURL(entry).href) }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(logs.text()).not.toContain('embedded local Port');
    expect(logs.lines().at(-1)).toMatchObject({ level: 60, code: 'CONFIG_INVALID' });
  });
});
