import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { refreshFixtures } from '../../scripts/refresh-fixtures.js';

/** scripts/refresh-fixtures.ts over a small Ocean checkout laid out as upstream's. */
describe('refreshing the fixtures from an Ocean checkout', () => {
  let work: string;
  let ocean: string;
  let fixturesDir: string;

  function put(file: string, content: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'marina-refresh-'));
    ocean = path.join(work, 'ocean');
    fixturesDir = path.join(work, 'fixtures');
    const acme = path.join(ocean, 'integrations', 'acme');
    put(path.join(acme, '.port', 'spec.yaml'), 'title: Acme\n');
    put(path.join(acme, '.port', 'resources', 'blueprints.json'), '[]\n');
    put(path.join(acme, '.port', 'resources', 'port-app-config.yml'), 'resources: []\n');
    put(path.join(acme, '.port', 'resources', '.gitignore'), '*\n');
    put(path.join(acme, '.port', 'examples', 'service', 'a.json'), '{"id": 1}\n');
    put(path.join(acme, 'examples', 'svc', 'svc-raw-data.json'), '[{"id": 2}]\n');
    put(path.join(acme, 'examples', 'svc', 'svc-mappings.yaml'), 'resources: []\n');
    put(path.join(acme, 'examples', 'config.env'), 'OCEAN__INTEGRATION__TYPE=acme\n');
    put(path.join(acme, 'examples', 'README.md'), '# not data\n');
    put(path.join(acme, 'main.py'), 'print(1)\n');
    put(path.join(ocean, 'integrations', '_infra', 'Makefile'), 'all:\n');
    put(path.join(work, 'apispec.yaml'), 'openapi: 3.1.0\ninfo: { title: Port API, version: "1.0" }\npaths: {}\n');

    // The previous copy: its samples/tests stay, an integration gone upstream goes.
    const corpus = path.join(fixturesDir, 'ocean-corpus');
    put(path.join(corpus, 'acme', 'samples', 'tests', 'test_x__payload__L3.json'), '{"kept": true}\n');
    put(path.join(corpus, 'retired', 'spec.yaml'), 'title: Retired\n');
    put(path.join(corpus, 'README.md'), 'From the 2 Port Ocean integrations.\nSource: commit ' + 'a'.repeat(40) + '\n(2020-01-01), folder integrations/. 9 files\nin all.\n');
    put(path.join(corpus, 'MANIFEST.json'), '{"source": "x", "commit": "old", "excluded": "markdown", "integrations": {}}\n');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('copies the data files in the corpus layout, writes the manifest and the OpenAPI document as JSON', () => {
    const result = refreshFixtures({ ocean, openapi: path.join(work, 'apispec.yaml'), fixturesDir, commit: 'b'.repeat(40) });

    const corpus = path.join(fixturesDir, 'ocean-corpus');
    expect(result).toEqual({ integrations: 1, files: 11, commit: 'b'.repeat(40) });
    for (const file of [
      'acme/spec.yaml',
      'acme/blueprints.json',
      'acme/port-app-config.yml',
      'acme/samples/port-examples/service/a.json',
      'acme/samples/examples/svc__svc-raw-data.json',
      'acme/samples/tests/test_x__payload__L3.json',
      'acme/examples/svc/svc-mappings.yaml',
      'acme/examples/config.env',
    ]) {
      expect(existsSync(path.join(corpus, file))).toBe(true);
    }
    for (const file of ['acme/.gitignore', 'acme/examples/README.md', 'acme/main.py', '_infra', 'retired']) {
      expect(existsSync(path.join(corpus, file))).toBe(false);
    }
    expect(JSON.parse(readFileSync(path.join(corpus, 'MANIFEST.json'), 'utf8'))).toEqual({
      source: 'github.com/port-labs/ocean',
      commit: 'b'.repeat(40),
      excluded: 'markdown',
      integrations: {
        acme: { files: ['blueprints.json', 'port-app-config.yml', 'spec.yaml'], 'samples/port-examples': 1, 'samples/examples': 1, 'samples/tests': 1, 'examples/': 3 },
      },
    });
    const readme = readFileSync(path.join(corpus, 'README.md'), 'utf8');
    expect(readme).toContain(`commit ${'b'.repeat(40)}\n(date unknown)`);
    expect(readme).toContain('From the 1 Port Ocean integrations');
    expect(readme).toContain('11 files\nin all');
    expect(JSON.parse(readFileSync(path.join(fixturesDir, 'port-openapi.json'), 'utf8'))).toEqual({ openapi: '3.1.0', info: { title: 'Port API', version: '1.0' }, paths: {} });
  });

  it('changes nothing when the inputs are wrong', () => {
    put(path.join(work, 'not-openapi.json'), '{"hello": 1}\n');
    expect(() => refreshFixtures({ ocean, openapi: path.join(work, 'not-openapi.json'), fixturesDir, commit: 'c'.repeat(40) })).toThrow(/not an OpenAPI document/);
    expect(() => refreshFixtures({ ocean: work, openapi: path.join(work, 'apispec.yaml'), fixturesDir })).toThrow(/not an Ocean checkout/);
    expect(() => refreshFixtures({ ocean, openapi: path.join(work, 'apispec.yaml'), fixturesDir })).toThrow(/cannot read the commit .* pass --commit/);
    expect(existsSync(path.join(fixturesDir, 'ocean-corpus', 'retired', 'spec.yaml'))).toBe(true);
    expect(existsSync(path.join(fixturesDir, 'port-openapi.json'))).toBe(false);
  });
});
