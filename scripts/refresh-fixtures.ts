/**
 * Refreshes the test data copied from upstream (see test/fixtures/README.md):
 *
 *   npx tsx scripts/refresh-fixtures.ts --ocean ../ocean --openapi ../port-docs/static/apispec.yaml
 *
 * `--ocean` is a checkout of port-labs/ocean (its commit is read with git, or given with
 * `--commit`); `--openapi` is Port's OpenAPI document, YAML or JSON, written as JSON. The corpus
 * is rebuilt beside the old one and swapped in at the end, so a failed run changes nothing.
 * `samples/tests/` (literals pulled out of Ocean's Python tests) cannot be rebuilt by copying
 * files, so each integration's folder is kept from the previous copy.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

export interface RefreshOptions {
  /** A checkout of port-labs/ocean. */
  ocean: string;
  /** Port's OpenAPI document (YAML or JSON). */
  openapi: string;
  /** Where the fixtures live (test/fixtures of this repository by default). */
  fixturesDir: string;
  /** The Ocean commit; read from the checkout with git when left out. */
  commit?: string;
}

const DATA_FILE = /\.(?:json|ya?ml|env)$/;
const RAW_PAYLOAD = /(?:response|raw|data)[^/]*\.json$/;

function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return filesUnder(path.join(dir, entry.name), relative);
    return entry.isFile() ? [relative] : [];
  });
}

function copy(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  cpSync(from, to);
}

/** Copies one integration's data files in the corpus layout; returns its MANIFEST entry. */
function copyIntegration(source: string, target: string, previous: string): Record<string, unknown> {
  const files: string[] = [];
  const specs = filesUnder(path.join(source, '.port')).filter((name) => /^spec\.(?:ya?ml|json)$/.test(name));
  const resources = filesUnder(path.join(source, '.port', 'resources')).filter((name) => !name.includes('/') && DATA_FILE.test(name));
  for (const name of specs) copy(path.join(source, '.port', name), path.join(target, name));
  for (const name of resources) copy(path.join(source, '.port', 'resources', name), path.join(target, name));
  files.push(...specs, ...resources);

  const entry: Record<string, unknown> = { files: files.sort() };
  const portExamples = filesUnder(path.join(source, '.port', 'examples')).filter((name) => name.endsWith('.json'));
  for (const name of portExamples) copy(path.join(source, '.port', 'examples', name), path.join(target, 'samples', 'port-examples', name));
  const examples = filesUnder(path.join(source, 'examples')).filter((name) => DATA_FILE.test(name));
  const rawPayloads = examples.filter((name) => RAW_PAYLOAD.test(path.basename(name)));
  for (const name of rawPayloads) copy(path.join(source, 'examples', name), path.join(target, 'samples', 'examples', name.replaceAll('/', '__')));
  const tests = path.join(previous, 'samples', 'tests');
  const keptTests = filesUnder(tests);
  if (keptTests.length > 0) cpSync(tests, path.join(target, 'samples', 'tests'), { recursive: true });
  for (const name of examples) copy(path.join(source, 'examples', name), path.join(target, 'examples', name));

  if (portExamples.length > 0) entry['samples/port-examples'] = portExamples.length;
  if (rawPayloads.length > 0) entry['samples/examples'] = rawPayloads.length;
  if (keptTests.length > 0) entry['samples/tests'] = keptTests.length;
  if (examples.length > 0) entry['examples/'] = examples.length;
  return entry;
}

function oceanCommit(ocean: string): { commit: string; date?: string } {
  try {
    const [commit, date] = execFileSync('git', ['-C', ocean, 'log', '-1', '--format=%H %cs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(' ');
    return { commit: commit!, ...(date ? { date } : {}) };
  } catch (error) {
    throw new Error(`cannot read the commit of ${ocean} with git (${(error as Error).message.split('\n')[0]}); pass --commit`);
  }
}

/** Port publishes the document as YAML (port-docs' static/apispec.yaml); the tests read JSON. */
function readOpenApi(file: string): string {
  const text = readFileSync(file, 'utf8');
  const document = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (typeof document?.openapi !== 'string' || typeof document.paths !== 'object') throw new Error(`${file} is not an OpenAPI document (no openapi version or paths)`);
  return file.endsWith('.json') ? text : `${JSON.stringify(document)}\n`;
}

export function refreshFixtures(options: RefreshOptions): { integrations: number; files: number; commit: string } {
  const integrationsDir = path.join(options.ocean, 'integrations');
  if (!existsSync(integrationsDir)) throw new Error(`${options.ocean} is not an Ocean checkout: it has no integrations/ folder`);
  const openapi = readOpenApi(options.openapi);
  const { commit, date } = options.commit ? { commit: options.commit, date: undefined } : oceanCommit(options.ocean);
  const corpus = path.join(options.fixturesDir, 'ocean-corpus');
  const next = `${corpus}.next`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });

  const names = readdirSync(integrationsDir)
    .filter((name) => existsSync(path.join(integrationsDir, name, '.port')) && statSync(path.join(integrationsDir, name)).isDirectory())
    .sort();
  const integrations: Record<string, unknown> = {};
  for (const name of names) integrations[name] = copyIntegration(path.join(integrationsDir, name), path.join(next, name), path.join(corpus, name));

  const previousManifest = existsSync(path.join(corpus, 'MANIFEST.json')) ? JSON.parse(readFileSync(path.join(corpus, 'MANIFEST.json'), 'utf8')) : {};
  const manifest = { ...previousManifest, source: 'github.com/port-labs/ocean', commit, integrations };
  writeFileSync(path.join(next, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  const files = filesUnder(next).length + 1; // and the README below
  if (existsSync(path.join(corpus, 'README.md'))) {
    const readme = readFileSync(path.join(corpus, 'README.md'), 'utf8')
      .replace(/commit [0-9a-f]{40}(\s+)\(\d{4}-\d{2}-\d{2}\)/, (_all, space: string) => `commit ${commit}${space}(${date ?? 'date unknown'})`)
      .replace(/[\d,]+ files(\s+)in all/, (_all, space: string) => `${files.toLocaleString('en-US')} files${space}in all`)
      .replace(/(from the )\d+( Port Ocean integrations)/i, (_all, before: string, after: string) => `${before}${names.length}${after}`);
    writeFileSync(path.join(next, 'README.md'), readme);
  }

  rmSync(`${corpus}.old`, { recursive: true, force: true });
  if (existsSync(corpus)) renameSync(corpus, `${corpus}.old`);
  renameSync(next, corpus);
  rmSync(`${corpus}.old`, { recursive: true, force: true });
  writeFileSync(path.join(options.fixturesDir, 'port-openapi.json'), openapi);
  return { integrations: names.length, files, commit };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { ocean: { type: 'string' }, openapi: { type: 'string' }, commit: { type: 'string' } } });
  if (!values.ocean || !values.openapi) {
    console.error('usage: npx tsx scripts/refresh-fixtures.ts --ocean OCEAN_CHECKOUT --openapi PORT_OPENAPI_FILE [--commit SHA]');
    process.exit(2);
  }
  const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
  const result = refreshFixtures({ ocean: values.ocean, openapi: values.openapi, fixturesDir, ...(values.commit ? { commit: values.commit } : {}) });
  console.log(`refreshed ${result.integrations} integrations (${result.files} files) at Ocean ${result.commit}; review with git status and git diff`);
}
