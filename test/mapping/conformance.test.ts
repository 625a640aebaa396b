import { createMappingEngine, type MappingEngine } from '../../src/mapping/index.js';
import { corpusIntegrations } from './corpus.js';

/**
 * Conformance on the Ocean corpus: every mapping loads, every expression compiles (the one
 * exception is gitlab's `file://` pseudo-expression, which Ocean hands to a special processor),
 * and every integration's sample records give the same entities through both engines.
 */

const integrations = corpusIntegrations(60);
let auto: MappingEngine;
let jqOnly: MappingEngine;
let mappedEntities = 0;

beforeAll(() => {
  auto = createMappingEngine({ workers: 1 });
  jqOnly = createMappingEngine({ workers: 1, engine: 'jq-wasm' });
});

afterAll(async () => {
  await Promise.all([auto.close(), jqOnly.close()]);
});

test('every expression of the 49 mappings compiles, except the file:// pseudo-expression', async () => {
  const problems: string[] = [];
  for (const integration of integrations) {
    for (const resource of integration.config.resources) {
      for (const p of (await auto.compile(resource)).problems) problems.push(`${integration.name}/${resource.kind}/${p.path}: ${p.expression}`);
    }
  }
  expect(problems).toEqual(['gitlab/project/properties.readme: file://README.md']);
});

test.each(integrations.filter((i) => i.records.length > 0).map((i) => [i.name, i] as const))(
  '%s: samples map to the same entities with either engine',
  async (_name, integration) => {
    for (const resource of integration.config.resources) {
      const [a, b] = await Promise.all([
        auto.mapPage(resource, integration.records, { parseAll: true }),
        jqOnly.mapPage(resource, integration.records, { parseAll: true }),
      ]);
      // Item-error messages quote jq's own text in one engine and the fast path's in the other.
      const strip = (r: typeof a): unknown => JSON.parse(JSON.stringify({ ...r, itemErrors: r.itemErrors.map((e) => e.index) }));
      expect(strip(a)).toEqual(strip(b));
      mappedEntities += a.passed.length + a.failed.length;
    }
  },
);

test('the samples produce entities (the comparison above is not vacuous)', () => {
  expect(mappedEntities).toBeGreaterThan(200);
});
