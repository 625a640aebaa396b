import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginConfigValidator } from '../../src/config/plugin-config.js';
import { findSpecFile, parsePluginSpec, readPluginSpec, sensitiveKeys, specToConfigSchema } from '../../src/config/plugin-spec.js';
import { createAjv } from '../../src/config/ajv.js';
import { OCEAN_CORPUS_DIR } from '../support/fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = OCEAN_CORPUS_DIR;
// Ocean's layout is `.port/spec.yaml`; the corpus keeps the file at the integration's top level.
const corpusSpecs = readdirSync(corpus, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => ['spec.json', 'spec.yaml', 'spec.yml'].map((name) => path.join(corpus, entry.name, name)))
  .filter((file) => findSpecFileIn(file));

function findSpecFileIn(file: string): boolean {
  try {
    return readdirSync(path.dirname(file)).includes(path.basename(file));
  } catch {
    return false;
  }
}

describe('Ocean spec files', () => {
  it('finds the 49 corpus specs', () => {
    expect(corpusSpecs).toHaveLength(49);
  });

  it.each(corpusSpecs.map((file) => [path.relative(corpus, file), file]))('%s loads and becomes a valid JSON Schema', async (_name, file) => {
    const { readFile } = await import('node:fs/promises');
    const result = parsePluginSpec(await readFile(file, 'utf8'), file);
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
    const schema = specToConfigSchema(result.spec.configurations);
    const ajv = createAjv();
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
    for (const configuration of result.spec.configurations) {
      expect(Object.keys(schema['properties'] as object)).toContain(configuration.name);
    }
    expect(sensitiveKeys(schema)).toEqual(result.spec.configurations.filter((c) => c.sensitive).map((c) => c.name));
  });
});

describe('spec-derived config validation', () => {
  const spec = (yaml: string) => {
    const result = parsePluginSpec(yaml, '/plugins/acme/.port/spec.yaml');
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
    return createPluginConfigValidator(specToConfigSchema(result.spec.configurations));
  };
  const validate = spec(`
configurations:
  - name: jiraHost
    type: url
    required: true
  - name: token
    type: string
    required: true
    sensitive: true
  - name: pageSize
    type: integer
    default: 50
  - name: verbose
    type: boolean
  - name: labels
    type: object
  - name: projects
    type: array
`);

  it('applies Ocean quirks: url loses its trailing slash, object/array decode from JSON strings, integers from strings', () => {
    const result = validate({ jira_host: 'https://acme.atlassian.net/', token: 't', labels: '{"a":1}', projects: '["X"]', verbose: 'true' }, { file: 'f' });
    expect(result).toEqual({
      ok: true,
      config: { jiraHost: 'https://acme.atlassian.net', token: 't', pageSize: 50, verbose: true, labels: { a: 1 }, projects: ['X'] },
    });
  });

  it('lists every problem: missing required, wrong type, unknown key, hostless url', () => {
    const result = validate({ jiraHost: '/', pageSize: 'many', tokn: 'x' }, { file: 'marina.yaml', base: ['integrations', 0, 'config'] });
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'integrations[0].config: missing required key "token"',
        'integrations[0].config.pageSize: must be an integer',
        'integrations[0].config.tokn: unknown key "tokn"; did you mean "token"?',
        'integrations[0].config.jiraHost: must be an absolute URL with a host, such as https://example.com',
      ]),
    );
  });

  it('rejects an unknown configuration type with the line', () => {
    const result = parsePluginSpec('configurations:\n  - name: a\n    type: number\n', 'spec.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ path: 'configurations[0].type', line: 3, message: expect.stringContaining('must be one of') });
  });

  it('reports a plugin folder without a spec', async () => {
    const result = await readPluginSpec(path.join(repoRoot, 'test'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/no spec file/);
    expect(findSpecFile(path.join(repoRoot, 'test'))).toBeUndefined();
  });
});
