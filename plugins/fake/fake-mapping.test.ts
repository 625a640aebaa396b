import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMappingEngine, parsePortAppConfig, type MappingEngine, type PortEntity } from '../../src/mapping/index.js';
import type { RawRecord } from '../../src/sdk/index.js';
import { FAKE_KINDS } from './fake-config.js';
import { collectPages, setUpFake } from './fake-test-support.js';

const pluginDir = path.dirname(fileURLToPath(import.meta.url));

interface BlueprintProperty {
  type: string;
  enum?: unknown[];
}
interface Blueprint {
  identifier: string;
  schema: { properties: Record<string, BlueprintProperty> };
  relations?: Record<string, { target: string }>;
}

const jsonType = (value: unknown): string => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

describe('fake plugin: records through the shipped mapping', () => {
  let engine: MappingEngine;
  beforeAll(() => {
    engine = createMappingEngine({ workers: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('maps every generated record to an entity of its blueprint, with valid types and resolvable relations', async () => {
    const file = path.join(pluginDir, '.port/resources/port-app-config.yml');
    const mapping = parsePortAppConfig(await readFile(file, 'utf8'), file);
    const blueprints = new Map(
      (JSON.parse(await readFile(path.join(pluginDir, '.port/resources/blueprints.json'), 'utf8')) as Blueprint[]).map((b) => [b.identifier, b]),
    );
    const { instance } = await setUpFake({ entityCount: { 'fake-person': 60, 'fake-project': 30 } });

    const entities = new Map<string, PortEntity[]>();
    for (const resource of mapping.resources) {
      const records: RawRecord[] = (await collectPages(instance, resource.kind)).flat();
      const result = await engine.mapPage(resource, records);
      expect({ kind: resource.kind, itemErrors: result.itemErrors, skipped: result.counts.skipped }).toEqual({ kind: resource.kind, itemErrors: [], skipped: 0 });
      // Only the optional tier may be missing (as in Ocean's fake projects).
      expect(Object.keys(result.misconfigurations).filter((field) => field !== 'properties.tier')).toEqual([]);
      expect(result.passed.map((e) => e.identifier)).toEqual(records.map((r) => r.id));
      entities.set(resource.kind, result.passed);
    }
    expect([...entities.keys()].sort()).toEqual([...FAKE_KINDS].sort());

    const identifiers = new Map([...entities].map(([kind, list]) => [kind, new Set(list.map((e) => e.identifier))]));
    for (const [kind, list] of entities) {
      const blueprint = blueprints.get(kind)!;
      for (const entity of list) {
        expect(entity.blueprint).toBe(kind);
        for (const [name, value] of Object.entries(entity.properties ?? {})) {
          if (value === null) continue;
          const declared = blueprint.schema.properties[name]!;
          expect([kind, name, jsonType(value)]).toEqual([kind, name, declared.type]);
          if (declared.enum) expect(declared.enum).toContain(value);
        }
        for (const [name, target] of Object.entries(entity.relations ?? {})) {
          const targetKind = blueprint.relations![name]!.target;
          expect([kind, name, identifiers.get(targetKind)!.has(target)]).toEqual([kind, name, true]);
        }
      }
    }
    const office = entities.get('fake-office')![0]!;
    expect(office.properties).toMatchObject({ city: 'Tel Aviv', city_upper: 'TEL AVIV', first_line: 'Rothschild Blvd 22' });
  });
});
