import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { startGithubSimulator, type GithubSimulator } from '../../../test/support/github-simulator/index.js';
import { collect, setUpGithub, type GithubUnderTest } from './github-test-support.js';
import { jest } from '@jest/globals';

// Simulators, tsx and GitHub's 13 MB OpenAPI document on a shared machine: generous limits, end states asserted.
jest.setTimeout(120_000);

/** An organization of a few repositories with pull requests. */
function seed(simulator: GithubSimulator, repos = 3): void {
  const { world } = simulator;
  world.addOrg('acme');
  for (let r = 0; r < repos; r++) {
    const repo = world.addRepo('acme', `repo-${r}`);
    for (let n = 1; n <= 3; n++) world.addPull(repo, world.buildPull(repo, n));
  }
}

const opened: GithubUnderTest[] = [];
const simulators: GithubSimulator[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((github) => github.close()));
  await Promise.all(simulators.splice(0).map((simulator) => simulator.close()));
});

async function simulatorWith(options: Parameters<typeof startGithubSimulator>[0] = {}): Promise<GithubSimulator> {
  const simulator = await startGithubSimulator(options);
  simulators.push(simulator);
  return simulator;
}

async function github(config: Record<string, unknown>, options: Parameters<typeof setUpGithub>[1] = {}): Promise<GithubUnderTest> {
  const instance = await setUpGithub(config, options);
  opened.push(instance);
  return instance;
}

describe('conditional requests', () => {
  it('answer an unchanged second resync from the cache with 304s, which cost no points, and survive a restart', async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_etag'] });
    seed(simulator);
    const config = { githubHost: simulator.apiUrl, githubToken: 'ghp_etag', githubOrganization: 'acme' };
    const first = await github(config);
    const firstRecords = await collect(first.instance, 'pull-request');
    const firstStats = simulator.stats();
    expect(firstRecords).toHaveLength(9);
    expect(firstStats.notModified).toBe(0);
    // A restart: a new instance over the same data dir.
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    simulator.resetStats();
    const second = await github(config, { dataDir: first.dataDir });
    // Repositories are read concurrently: the order of pages may differ, not the records.
    const byId = (records: Record<string, unknown>[]) => [...records].sort((a, b) => Number(a['id']) - Number(b['id']));
    expect(byId(await collect(second.instance, 'pull-request'))).toEqual(byId(firstRecords));
    const secondStats = simulator.stats();
    expect(secondStats.requests).toBe(firstStats.requests);
    expect(secondStats.notModified).toBe(secondStats.requests);
    expect(secondStats.points['core'] ?? 0).toBe(0);

    // A change shows at once: only what changed costs a point.
    const repo = simulator.world.repo('acme', 'repo-1')!;
    simulator.world.addPull(repo, simulator.world.buildPull(repo, 4, { title: 'New work' }));
    simulator.resetStats();
    const third = await collect(second.instance, 'pull-request');
    expect(third.map((pr) => pr['title'])).toContain('New work');
    expect(simulator.stats().points['core']).toBe(1);
  });
});

describe('rate limits', () => {
  it('waits out a secondary limit (retry-after) and retries', async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_secondary'] });
    seed(simulator, 1);
    simulator.fail({ path: /\/pulls/, status: 403, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit.' } });
    const instance = await github({ githubHost: simulator.apiUrl, githubToken: 'ghp_secondary', githubOrganization: 'acme' });
    const started = Date.now();
    expect(await collect(instance.instance, 'pull-request')).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(instance.logger.lines.some((line) => /secondary rate limit/.test(line.msg ?? ''))).toBe(true);
  });

  it('waits for the reset when the primary limit is exhausted', async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_primary'] });
    seed(simulator, 1);
    const instance = await github({ githubHost: simulator.apiUrl, githubToken: 'ghp_primary', githubOrganization: 'acme' });
    simulator.setRemaining('token:ghp_primary', 'core', 0, 2);
    expect(await collect(instance.instance, 'pull-request')).toHaveLength(3);
    expect(instance.logger.lines.some((line) => /rate limit exhausted/.test(line.msg ?? ''))).toBe(true);
  });

  it('pauses resyncs at resyncRatelimitReservationThreshold, for every integration of the token', async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_shared'], limits: { core: 100 } });
    seed(simulator, 1);
    const config = { githubHost: simulator.apiUrl, githubToken: 'ghp_shared', githubOrganization: 'acme', resyncRatelimitReservationThreshold: 50 };
    const one = await github(config);
    const two = await github(config, { identifier: 'github-two' });
    // 60 of 100 points used: past the 50% reservation.
    simulator.setRemaining('token:ghp_shared', 'core', 40, 2);
    await collect(one.instance, 'organization'); // one learns the pool from the headers
    const started = Date.now();
    // The other integration of the same token waits too: one budget per credential.
    const records = await collect(two.instance, 'pull-request');
    expect(records).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(two.logger.lines.some((line) => /resyncRatelimitReservationThreshold \(50% of 100\)/.test(line.msg ?? ''))).toBe(true);
  });
});

describe('authentication', () => {
  it('as a GitHub App: finds the installation with the App JWT, then works with one installation token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const simulator = await simulatorWith({ tokens: [], apps: [{ appId: '4242', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installations: new Map([['acme', 77]]), tokenTtlSeconds: 3600 }] });
    seed(simulator, 2);
    // An Ocean env file often carries the key on one line with literal \n.
    const instance = await github({ githubHost: simulator.apiUrl, githubAppId: '4242', githubAppPrivateKey: pem.replace(/\n/g, '\\n'), githubOrganization: 'acme' });
    expect(await collect(instance.instance, 'pull-request')).toHaveLength(6);
    expect(simulator.stats().installationTokens).toBe(1);
    expect(simulator.stats().byRoute['GET /orgs/:org/installation']).toBe(1);
  });

  it('refuses a missing credential with a clear message', async () => {
    await expect(setUpGithub({ githubOrganization: 'acme' })).rejects.toThrow(/No GitHub credentials: set githubToken/);
    await expect(setUpGithub({ githubAppId: '1', githubOrganization: 'acme' })).rejects.toThrow(/needs githubAppPrivateKey/);
  });
});

describe('GitHub Enterprise Server and the network', () => {
  it('talks to githubHost with its /api/v3 prefix and GraphQL at /api/graphql', async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_ghes'], enterprise: true });
    seed(simulator, 1);
    simulator.world.addMember(simulator.world.org('acme')!, 'mona', { email: 'mona@example.com' });
    expect(simulator.apiUrl).toMatch(/\/api\/v3$/);
    const instance = await github({ githubHost: simulator.apiUrl, githubToken: 'ghp_ghes', githubOrganization: 'acme' });
    expect(await collect(instance.instance, 'pull-request')).toHaveLength(3);
    expect(await collect(instance.instance, 'user')).toEqual([expect.objectContaining({ login: 'mona' })]);
  });

  it("goes through the host's HTTP_PROXY", async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_proxy'] });
    seed(simulator, 1);
    // hpagent tunnels through the proxy with CONNECT, for http and https targets alike.
    const proxied: string[] = [];
    const sockets: Socket[] = [];
    const proxy: Server = createServer();
    proxy.on('connect', (request, client, head) => {
      proxied.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.push(client as Socket, upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    try {
      const instance = await github({ githubHost: simulator.apiUrl, githubToken: 'ghp_proxy', githubOrganization: 'acme' }, { env: { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } });
      expect(await collect(instance.instance, 'pull-request')).toHaveLength(3);
      expect(proxied).toContain(new URL(simulator.url).host);
    } finally {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    }
  });

  it('stops at once when the resync is aborted', async () => {
    const simulator = await simulatorWith({ tokens: ['ghp_abort'] });
    seed(simulator, 1);
    const instance = await github({ githubHost: simulator.apiUrl, githubToken: 'ghp_abort', githubOrganization: 'acme' });
    simulator.setRemaining('token:ghp_abort', 'core', 0, 3600);
    const controller = new AbortController();
    const handler = instance.instance.resync['pull-request']!;
    const iterator = handler({ kind: 'pull-request', selector: { query: 'true' }, resourceIndex: 0, resource: {}, mappingSettings: {}, signal: controller.signal })[Symbol.asyncIterator]();
    const pending = iterator.next();
    setTimeout(() => controller.abort(new Error('resync aborted')), 200);
    await expect(pending).rejects.toThrow();
  });
});
