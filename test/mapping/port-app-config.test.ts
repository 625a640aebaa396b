import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMarinaError, MarinaError } from '../../src/errors.js';
import { loadPortAppConfig, parsePortAppConfig } from '../../src/mapping/index.js';
import { corpusIntegrations } from './corpus.js';

function problemsOf(text: string): { path: string; resourceIndex?: number; line?: number; message: string }[] {
  try {
    parsePortAppConfig(text, 'm.yml');
  } catch (error) {
    if (isMarinaError(error, 'MAPPING_INVALID')) return error.details.problems as never;
    throw error;
  }
  throw new Error('expected MAPPING_INVALID');
}

const MINIMAL = `resources:
  - kind: repo
    selector:
      query: 'true'
      includedFiles: [README.md]
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"repo"'
`;

test("applies Ocean's code defaults, not the docs'", () => {
  const config = parsePortAppConfig(MINIMAL, 'm.yml');
  expect(config).toMatchObject({
    deleteDependentEntities: true,
    createMissingRelatedEntities: true,
    enableMergeEntity: true,
    entityDeletionThreshold: 0.9,
  });
  const resource = config.resources[0]!;
  expect(resource.port).toEqual({
    entity: { mappings: { identifier: '.name', blueprint: '"repo"' } },
    itemsToParseName: 'item',
    itemsToParseTopLevelTransform: true,
  });
  expect(resource.selector).toEqual({ query: 'true', includedFiles: ['README.md'] });
});

test('keeps explicit root values and integration-specific root keys', () => {
  const config = parsePortAppConfig(`deleteDependentEntities: false\nentityDeletionThreshold: 0.5\nrepositoryType: all\n${MINIMAL}`, 'm.yml');
  expect(config.deleteDependentEntities).toBe(false);
  expect(config.entityDeletionThreshold).toBe(0.5);
  expect(config.extra).toEqual({ repositoryType: 'all' });
});

test('coerces YAML numbers and booleans in jq fields the way pydantic v1 does', () => {
  const config = parsePortAppConfig(`resources:
  - kind: k
    selector:
      query: true
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"b"'
          properties:
            five: 5
            yes: true
`, 'm.yml');
  const r = config.resources[0]!;
  expect(r.selector.query).toBe('True');
  expect(r.port.entity.mappings.properties).toEqual({ five: '5', yes: 'True' });
});

test('every problem names the resource index, the field path and the line', () => {
  const problems = problemsOf(`resources:
  - kind: ok
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .a, blueprint: '"b"'}}}
  - kind: bad
    selector: {}
    port:
      entity:
        mappings:
          identifier: [1]
          properties:
            x: {a: 1}
`);
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ resourceIndex: 1, path: 'resources[1].selector.query', line: 6 }),
      expect.objectContaining({ resourceIndex: 1, path: 'resources[1].port.entity.mappings.blueprint' }),
      expect.objectContaining({ resourceIndex: 1, path: 'resources[1].port.entity.mappings.identifier', line: 10 }),
      expect.objectContaining({ resourceIndex: 1, path: 'resources[1].port.entity.mappings.properties.x', line: 12 }),
    ]),
  );
  expect(problems.every((p) => p.resourceIndex === 1)).toBe(true);
});

test('invalid YAML is a parse error naming file and line', () => {
  expect(() => parsePortAppConfig('resources:\n  - kind: [unclosed\n', 'bad.yml')).toThrow(
    expect.objectContaining({ code: 'MAPPING_PARSE_FAILED', message: expect.stringMatching(/^bad\.yml:\d+: invalid YAML/) }),
  );
});

test('an empty mapping is rejected like Ocean rejects it', () => {
  expect(() => parsePortAppConfig('', 'empty.yml')).toThrow(MarinaError);
  expect(() => parsePortAppConfig('{}', 'empty.yml')).toThrow(expect.objectContaining({ code: 'MAPPING_INVALID' }));
});

test('loadPortAppConfig names a missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'marina-map-'));
  await expect(loadPortAppConfig(join(dir, 'nope.yml'))).rejects.toMatchObject({ code: 'MAPPING_PARSE_FAILED' });
  await writeFile(join(dir, 'ok.yml'), MINIMAL);
  await expect(loadPortAppConfig(join(dir, 'ok.yml'))).resolves.toMatchObject({ resources: [{ kind: 'repo' }] });
});

test('all 49 port-app-config files of the Ocean corpus load', () => {
  const integrations = corpusIntegrations(0);
  expect(integrations).toHaveLength(49);
  const resources = integrations.reduce((n, i) => n + i.config.resources.length, 0);
  expect(resources).toBeGreaterThanOrEqual(213);
});
