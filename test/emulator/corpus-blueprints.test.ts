import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { OCEAN_CORPUS_DIR } from '../support/fixtures.js';
import { createConformanceRecord, createPortTestClient, type PortTestClient } from './port-test-client.js';

/**
 * Every blueprint of the 49 real Ocean integrations in the corpus goes into the emulator the way
 * Ocean's default setup sends it (port-api.md §3.1): bare POST, PATCH with relations, ownership
 * and team inheritance, then PATCH with mirror, calculation and aggregation properties.
 */
const corpus = OCEAN_CORPUS_DIR;
const integrations = readdirSync(corpus).filter((name) => existsSync(join(corpus, name, 'blueprints.json'))).sort();

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

test('the corpus has integrations with blueprints', () => {
  expect(integrations.length).toBeGreaterThanOrEqual(40);
});

test.each(integrations)('%s: default blueprints are accepted in Ocean order', async (name) => {
  const blueprints = JSON.parse(readFileSync(join(corpus, name, 'blueprints.json'), 'utf8')) as Record<string, unknown>[];
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  const conformance = createConformanceRecord();
  const port: PortTestClient = createPortTestClient(emulator.url, undefined, conformance);
  const failures: string[] = [];
  // Relation targets owned by another integration (github-copilot → githubTeam) exist in an
  // organisation that runs it; stand them up bare, as that integration would have.
  const own = new Set(blueprints.map((b) => String(b['identifier'])));
  const foreign = new Set(blueprints.flatMap((b) => Object.values((b['relations'] ?? {}) as Record<string, { target: string }>).map((r) => r.target)).filter((t) => !own.has(t)));
  for (const target of foreign) {
    expect((await port.call('POST', '/v1/blueprints', { identifier: target, title: target, schema: { properties: {} } })).status).toBe(201);
  }
  const record = (step: string, id: unknown, response: { status: number; body: any }) => {
    if (response.status >= 300) failures.push(`${step} ${String(id)}: ${response.status} ${response.body?.message}`);
  };
  for (const blueprint of blueprints) {
    const { relations: _r, mirrorProperties: _m, calculationProperties: _c, aggregationProperties: _a, ownership: _o, teamInheritance: _t, ...bare } = blueprint;
    // Port's own blueprints (_user, _team) exist already in a real organisation.
    if (String(blueprint['identifier']).startsWith('_')) continue;
    record('create', blueprint['identifier'], await port.call('POST', '/v1/blueprints', bare));
  }
  for (const blueprint of blueprints) {
    if (String(blueprint['identifier']).startsWith('_')) continue;
    const { relations, ownership, teamInheritance } = blueprint;
    const patch = Object.fromEntries(Object.entries({ relations, ownership, teamInheritance }).filter(([, v]) => v !== undefined));
    record('relations', blueprint['identifier'], await port.call('PATCH', `/v1/blueprints/${encodeURIComponent(String(blueprint['identifier']))}`, patch));
  }
  for (const blueprint of blueprints) {
    if (String(blueprint['identifier']).startsWith('_')) continue;
    record('full', blueprint['identifier'], await port.call('PATCH', `/v1/blueprints/${encodeURIComponent(String(blueprint['identifier']))}`, blueprint));
  }
  expect(failures).toEqual([]);
  expect(conformance.violations).toEqual([]);
});
