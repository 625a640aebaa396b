import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMarinaError } from '../../src/errors.js';
import { loadPortResources, provisionIntegration, type PortResources } from '../../src/port/index.js';
import { OCEAN_CORPUS_DIR } from '../support/fixtures.js';
import { startPortFixture, type PortFixture } from './support/port-fixture.js';

const corpus = OCEAN_CORPUS_DIR;

describe('provisioning against the emulator', () => {
  let fixture: PortFixture;
  afterEach(async () => fixture?.close());

  it('creates the integration, pushes the default mapping and creates blueprints in three stages', async () => {
    fixture = await startPortFixture();
    const resources: PortResources = {
      blueprints: [
        {
          identifier: 'repo',
          title: 'Repository',
          schema: { properties: { url: { type: 'string', format: 'url' } } },
          relations: { owner: { target: 'owner', required: false, many: false } },
          mirrorProperties: { ownerName: { path: 'owner.name' } },
        },
        { identifier: 'owner', title: 'Owner', schema: { properties: { name: { type: 'string' } } } },
      ],
      portAppConfig: { createMissingRelatedEntities: true, resources: [{ kind: 'repo', selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"repo"' } } } }] },
    };
    const report = await provisionIntegration(fixture.client, fixture.identity, { resources, initializePortResources: true });
    expect(report).toMatchObject({ integrationCreated: true, blueprintsCreated: ['repo', 'owner'] });
    const repo = fixture.emulator.blueprints().find((b) => b.identifier === 'repo') as unknown as Record<string, unknown>;
    expect(repo.relations).toMatchObject({ owner: { target: 'owner' } });
    expect(repo.mirrorProperties).toMatchObject({ ownerName: { path: 'owner.name' } });
    const integration = (await fixture.client.request<{ integration: Record<string, unknown> }>({ method: 'GET', path: '/v1/integration/acme-github', integration: fixture.identity })).body.integration;
    expect(integration).toMatchObject({ installationAppType: 'github', version: '1.2.3', arePortResourcesInitialized: true, config: resources.portAppConfig });
    // The POST that creates a blueprint carries no relations: its target may not exist yet.
    const stages = fixture.emulator.requests().reverse().filter((r) => r.path.startsWith('/v1/blueprints'));
    expect(stages.map((r) => r.method)).toEqual(['GET', 'GET', 'POST', 'POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
  });

  it('never overwrites: an existing default blueprint skips blueprint creation, and a second run changes nothing', async () => {
    fixture = await startPortFixture();
    await fixture.client.request({ method: 'POST', path: '/v1/blueprints', body: { identifier: 'owner', title: 'Mine', schema: { properties: {} } }, integration: fixture.identity });
    const resources: PortResources = {
      blueprints: [
        { identifier: 'repo', title: 'Repository', schema: { properties: {} } },
        { identifier: 'owner', title: 'Owner', schema: { properties: {} } },
      ],
    };
    const report = await provisionIntegration(fixture.client, fixture.identity, { resources, initializePortResources: true });
    expect(report.blueprintsCreated).toEqual([]);
    expect(report.blueprintsSkipped).toContain('owner');
    expect(fixture.emulator.blueprints().map((b) => [b.identifier, b.title])).toEqual([['owner', 'Mine']]);
    fixture.emulator.clearRequests();
    const again = await provisionIntegration(fixture.client, fixture.identity, { resources, initializePortResources: true });
    expect(again).toMatchObject({ integrationCreated: false, configPushed: false, blueprintsCreated: [] });
    expect(fixture.emulator.requests().map((r) => r.method)).toEqual(['GET']);
  });

  it('rolls back created blueprints when a stage fails, and leaves resources uninitialised to retry', async () => {
    fixture = await startPortFixture();
    const resources: PortResources = {
      blueprints: [
        { identifier: 'a', title: 'A', schema: { properties: {} } },
        // The relation targets a blueprint that is not among the defaults: the relations stage fails.
        { identifier: 'b', title: 'B', schema: { properties: {} }, relations: { x: { target: 'missing_bp', required: false, many: false } } },
      ],
    };
    const failure = await provisionIntegration(fixture.client, fixture.identity, { resources, initializePortResources: true }).catch((error: unknown) => error);
    expect(isMarinaError(failure, 'PORT_PROVISIONING_FAILED')).toBe(true);
    expect((failure as Error).message).toContain('relations');
    expect((failure as Error).message).toContain('b:');
    expect(fixture.emulator.blueprints()).toEqual([]);
    const integration = (await fixture.client.request<{ integration: Record<string, unknown> }>({ method: 'GET', path: '/v1/integration/acme-github', integration: fixture.identity })).body.integration;
    expect(integration.arePortResourcesInitialized).toBe(false);
  });

  it('provisions a real Ocean integration from the corpus (.port/resources of github)', async () => {
    fixture = await startPortFixture();
    const resources = await loadPortResources(join(corpus, 'github'));
    expect(resources.blueprints.length).toBeGreaterThan(0);
    const report = await provisionIntegration(fixture.client, fixture.identity, { resources, initializePortResources: true });
    expect(report.blueprintsCreated.sort()).toEqual(resources.blueprints.map((b) => b.identifier).sort());
  });

  it('names the file and line of a malformed port-app-config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'marina-resources-'));
    await writeFile(join(dir, 'port-app-config.yml'), 'resources:\n  - kind: repo\n   selector: [\n');
    const failure = await loadPortResources(dir).catch((error: unknown) => error);
    expect(isMarinaError(failure, 'PLUGIN_SPEC_INVALID')).toBe(true);
    expect((failure as Error).message).toMatch(/port-app-config\.yml:\d+/);
  });
});
