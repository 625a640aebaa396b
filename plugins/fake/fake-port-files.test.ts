import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createPluginConfigValidator, readPluginSpec, sensitiveKeys, specToConfigSchema } from '../../src/config/index.js';
import type { RawRecord } from '../../src/sdk/index.js';
import { OCEAN_CORPUS_DIR } from '../../test/support/fixtures.js';
import { FAKE_KINDS, resolveFakeConfig } from './fake-config.js';
import { collectPages, setUpFake } from './fake-test-support.js';

const pluginDir = path.dirname(fileURLToPath(import.meta.url));
const oceanFakeDir = path.join(OCEAN_CORPUS_DIR, 'fake-integration');

interface Blueprint {
  identifier: string;
  schema: { properties: Record<string, unknown> };
  relations?: Record<string, { target: string }>;
}
interface ResourceBlock {
  kind: string;
  port: { entity: { mappings: { identifier: string; title: string; blueprint: string; properties?: Record<string, string>; relations?: Record<string, string> } } };
}

const readYaml = async (file: string) => parse(await readFile(file, 'utf8')) as { resources: ResourceBlock[] };
const blueprints = async () => JSON.parse(await readFile(path.join(pluginDir, '.port/resources/blueprints.json'), 'utf8')) as Blueprint[];

// A plain jq path such as `.owner.department.id` or `.address.lines[0]`; other expressions
// need the jq engine and are left to the mapping tests.
const PLAIN_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)+$/;
function readPath(record: unknown, jqPath: string): unknown {
  let current = record;
  for (const [, key, index] of jqPath.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?/g)) {
    current = (current as Record<string, unknown> | null | undefined)?.[key as string];
    if (index !== undefined) current = (current as unknown[] | null | undefined)?.[Number(index)];
  }
  return current;
}

async function sampleRecords(): Promise<Record<string, RawRecord[]>> {
  const { instance } = await setUpFake({});
  const samples: Record<string, RawRecord[]> = {};
  for (const kind of FAKE_KINDS) samples[kind] = (await collectPages(instance, kind)).flat();
  return samples;
}

describe('fake plugin: .port files', () => {
  it("declares its knobs in a spec.yaml the host's loader accepts, with defaults matching the plugin's", async () => {
    const result = await readPluginSpec(pluginDir);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.spec.kinds).toEqual(expect.arrayContaining([...FAKE_KINDS]));
    expect(sensitiveKeys(specToConfigSchema(result.spec.configurations))).toEqual(['webhookSecret']);
    const validate = createPluginConfigValidator(specToConfigSchema(result.spec.configurations));
    const validated = validate({}, { file: 'marina.yaml' });
    if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
    expect(resolveFakeConfig(validated.config)).toEqual(resolveFakeConfig({}));
    const bigger = validate({ entityCount: { 'fake-person': 1_000_000 }, recordSizeKb: 1, failMode: 'hang' }, { file: 'marina.yaml' });
    if (!bigger.ok) throw new Error(JSON.stringify(bigger.problems));
    expect(resolveFakeConfig(bigger.config)).toMatchObject({ recordBytes: 1024, failMode: 'hang', entityCount: { 'fake-person': 1_000_000, 'fake-team': 12 } });
  });

  it("accepts Ocean's fake-integration config keys through the host's validator", async () => {
    const result = await readPluginSpec(pluginDir);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const validate = createPluginConfigValidator(specToConfigSchema(result.spec.configurations));
    // As Ocean's environment variables deliver them: lower snake case, strings.
    const validated = validate({ entity_amount: '2', single_department_run: 'true', third_party_batch_size: '1' }, { file: 'env' });
    if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
    expect(resolveFakeConfig(validated.config)).toMatchObject({ pageSize: 1, entityCount: { 'fake-department': 1, 'fake-person': 2 } });
  });

  it('ships one blueprint per kind, with relations to shipped blueprints', async () => {
    const shipped = await blueprints();
    expect(shipped.map((b) => b.identifier).sort()).toEqual([...FAKE_KINDS].sort());
    const ids = new Set(shipped.map((b) => b.identifier));
    const relations = Object.fromEntries(shipped.map((b) => [b.identifier, Object.fromEntries(Object.entries(b.relations ?? {}).map(([k, r]) => [k, r.target]))]));
    expect(relations).toEqual({
      'fake-department': {},
      'fake-office': {},
      'fake-team': { department: 'fake-department' },
      'fake-person': { department: 'fake-department', team: 'fake-team', office: 'fake-office' },
      'fake-project': { team: 'fake-team', department: 'fake-department' },
    });
    for (const target of Object.values(relations).flatMap((r) => Object.values(r))) expect(ids.has(target)).toBe(true);
  });

  it('maps every kind onto its blueprint, naming only declared properties and relations', async () => {
    const mapping = await readYaml(path.join(pluginDir, '.port/resources/port-app-config.yml'));
    const byId = new Map((await blueprints()).map((b) => [b.identifier, b]));
    expect(mapping.resources.map((r) => r.kind).sort()).toEqual([...FAKE_KINDS].sort());
    for (const resource of mapping.resources) {
      const { mappings } = resource.port.entity;
      const blueprint = byId.get(JSON.parse(mappings.blueprint) as string);
      expect(blueprint?.identifier).toBe(resource.kind);
      for (const property of Object.keys(mappings.properties ?? {})) expect([resource.kind, property, property in blueprint!.schema.properties]).toEqual([resource.kind, property, true]);
      for (const relation of Object.keys(mappings.relations ?? {})) expect([resource.kind, relation, relation in (blueprint!.relations ?? {})]).toEqual([resource.kind, relation, true]);
    }
  });

  it.each([
    ['the shipped mapping', path.join(pluginDir, '.port/resources/port-app-config.yml')],
    ["Ocean's fake-integration mapping", path.join(oceanFakeDir, 'port-app-config.yml')],
  ])('%s finds a value at every plain path in the generated records', async (_name, file) => {
    const mapping = await readYaml(file);
    const samples = await sampleRecords();
    for (const resource of mapping.resources) {
      const { mappings } = resource.port.entity;
      const leaves = { identifier: mappings.identifier, title: mappings.title, ...mappings.properties, ...mappings.relations };
      for (const [field, expression] of Object.entries(leaves)) {
        // `.metadata.tier` is optional on purpose, as in Ocean's fake projects.
        if (!PLAIN_PATH.test(expression) || expression === '.metadata.tier') continue;
        const missing = samples[resource.kind]!.filter((record) => readPath(record, expression) == null).length;
        expect({ kind: resource.kind, field, expression, missing }).toEqual({ kind: resource.kind, field, expression, missing: 0 });
      }
    }
  });
});
