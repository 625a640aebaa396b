import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { createMappingEngine, loadPortAppConfig, type MappingEngine, type PortAppConfig, type PortEntity } from '../../../src/mapping/index.js';
import { corpusDir, startGithubSimulator, type GithubSimulator, type GithubWorld, type Json } from '../../../test/support/github-simulator/index.js';
import { collect, setUpGithub } from './github-test-support.js';
import { jest } from '@jest/globals';

// Simulators, tsx and GitHub's 13 MB OpenAPI document on a shared machine: generous limits, end states asserted.
jest.setTimeout(120_000);

/**
 * Ocean's captured records (the corpus's samples) against what the plugin produces from the
 * simulator seeded with the same GitHub objects: mapped with Ocean's default mapping they give
 * the same entities (organization, repository, pull-request), and every record carries the
 * sample's fields with the sample's values (the plugin may add newer Ocean keys).
 */
const SAMPLES = path.join(corpusDir, 'samples/port-examples');
const sample = (kind: string, file: string): Json => JSON.parse(readFileSync(path.join(SAMPLES, kind, file), 'utf8')) as Json;
const samplesOf = (kind: string): [string, Json][] => readdirSync(path.join(SAMPLES, kind)).sort().map((file) => [file, sample(kind, file)]);
const strip = (record: Json): Json => Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('__')));

let engine: MappingEngine;
let mapping: PortAppConfig;
beforeAll(async () => {
  engine = createMappingEngine({ workers: 1 });
  mapping = await loadPortAppConfig(path.join(corpusDir, 'port-app-config.yml'));
});
afterAll(() => engine?.close());

async function mapWithDefault(kind: string, records: Json[]): Promise<PortEntity[]> {
  const resource = mapping.resources.find((candidate) => candidate.kind === kind)!;
  return (await engine.mapPage(resource, records)).passed;
}

/** Records with the simulator's URL written back as GitHub's, so they compare with captured ones. */
function asGithub(simulator: GithubSimulator, records: Json[]): Json[] {
  return JSON.parse(JSON.stringify(records).split(simulator.apiUrl).join('https://api.github.com')) as Json[];
}

/** Runs `kind` against a simulator seeded by `seed`, as the integration configured with `config`. */
async function produce(kind: string, seed: (world: GithubWorld) => void, selector: Json = {}, org = 'port-gh-app-dev'): Promise<Json[]> {
  const simulator = await startGithubSimulator({ tokens: ['ghp_corpus'] });
  try {
    seed(simulator.world);
    const github = await setUpGithub({ githubHost: simulator.apiUrl, githubToken: 'ghp_corpus', githubOrganization: org });
    try {
      return asGithub(simulator, await collect(github.instance, kind, selector));
    } finally {
      await github.close();
    }
  } finally {
    await simulator.close();
  }
}

describe('with the default mapping, the same entities', () => {
  it.each(samplesOf('repository'))('repository %s', async (_file, captured) => {
    const include = captured['__collaborators'] !== undefined ? ['collaborators', 'teams'] : [];
    const selector = { ...mapping.resources.find((resource) => resource.kind === 'repository')!.selector, include };
    const records = await produce(
      'repository',
      (world) => {
        const repo = world.addRepo(captured['owner']['login'], captured['name'], { data: strip(captured) });
        for (const collaborator of (captured['__collaborators'] as Json[] | undefined) ?? []) repo.collaborators.put(collaborator, (item) => item['login']);
        for (const team of (captured['__teams'] as Json[] | undefined) ?? []) repo.teams.put(team, (item) => item['slug']);
      },
      selector,
      captured['owner']['login'],
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject(captured);
    expect(await mapWithDefault('repository', records)).toEqual(await mapWithDefault('repository', [captured]));
  });

  it.each(samplesOf('pull-request'))('pull-request %s', async (_file, captured) => {
    const records = await produce(
      'pull-request',
      (world) => {
        const repo = world.addRepo('port-gh-app-dev', captured['__repository'], { data: structuredClone(captured['base']['repo']) });
        world.addPull(repo, strip(captured));
      },
      { states: ['open', 'closed'], since: 100_000 },
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject(captured);
    expect(await mapWithDefault('pull-request', records)).toEqual(await mapWithDefault('pull-request', [captured]));
  });
});

describe('every field of the captured records, with the same values', () => {
  const perRepo = (kind: string, put: (world: GithubWorld, captured: Json) => void, selector: (captured: Json) => Json = () => ({})) =>
    it.each(samplesOf(kind))(`${kind} %s`, async (_file, captured) => {
      const records = await produce(
        kind,
        (world) => {
          if (world.repo('port-gh-app-dev', captured['__repository']) === undefined) world.addRepo('port-gh-app-dev', captured['__repository']);
          put(world, captured);
        },
        selector(captured),
      );
      expect(records).toContainEqual(expect.objectContaining(captured));
    });

  const repoOf = (world: GithubWorld, captured: Json) => world.repo('port-gh-app-dev', captured['__repository'])!;
  perRepo('issue', (world, captured) => world.addIssue(repoOf(world, captured), strip(captured)), () => ({ state: 'all' }));
  perRepo('workflow', (world, captured) => world.addWorkflow(repoOf(world, captured), strip(captured)));
  perRepo('collaborator', (world, captured) => repoOf(world, captured).collaborators.put(strip(captured), (item) => item['login']));
  perRepo('dependabot-alert', (world, captured) => repoOf(world, captured).dependabotAlerts.put(strip(captured), (item) => item['number']), (captured) => ({ states: [captured['state']] }));
  perRepo('code-scanning-alerts', (world, captured) => repoOf(world, captured).codeScanningAlerts.put(strip(captured), (item) => item['number']), (captured) => ({ state: captured['state'] }));
  perRepo('environment', (world, captured) => repoOf(world, captured).environments.put(strip(captured), (item) => item['name']));

  it.each(samplesOf('workflow-run'))('workflow-run %s', async (_file, captured) => {
    const records = await produce('workflow-run', (world) => {
      const repo = world.addRepo('port-gh-app-dev', captured['repository']['name'], { data: structuredClone(captured['repository']) });
      world.addWorkflow(repo, { ...world.buildWorkflow(repo, captured['workflow_id'], captured['path'].split('/').pop()), path: captured['path'] });
      world.addRun(repo, strip(captured));
    });
    expect(records).toContainEqual(expect.objectContaining(captured));
  });

  it.each(samplesOf('branch'))('branch %s', async (_file, captured) => {
    const records = await produce('branch', (world) => {
      const repo = world.addRepo('port-gh-app-dev', captured['__repository'], { data: structuredClone(captured['__repository_object']) });
      repo.branches.put(strip(captured), (item) => item['name']);
    });
    expect(records).toContainEqual(expect.objectContaining(captured));
  });

  it.each(samplesOf('team'))('team %s', async (_file, captured) => {
    const graphql = captured['members'] !== undefined;
    const records = await produce(
      'team',
      (world) => {
        const org = world.addOrg('Journey');
        const team = world.addTeam(org, captured['slug']);
        if (graphql) {
          team.graphql = strip({ ...captured, members: undefined });
          delete team.graphql['members'];
          team.members = (captured['members']['nodes'] as Json[]).map((member) => member['login']);
          for (const member of captured['members']['nodes'] as Json[]) world.addMember(org, member['login'], { name: member['name'], email: member['email'], isSiteAdmin: member['isSiteAdmin'] });
        } else {
          team.rest = strip(captured);
        }
      },
      { members: graphql },
      'Journey',
    );
    expect(records).toEqual([captured]);
  });

  it.each(samplesOf('user'))('user %s', async (_file, captured) => {
    const records = await produce('user', (world) => world.addOrg('acme').members.push(captured as never), {}, 'acme');
    expect(records).toEqual([captured]);
  });

  it.each(samplesOf('file'))('file %s', async (_file, captured) => {
    const content = typeof captured['content'] === 'string' ? captured['content'] : toYaml(captured['content']);
    const records = await produce('file', (world) => {
      const repo = world.addRepo(captured['organization'], captured['repository']['name'], { data: structuredClone(captured['repository']) });
      world.setFile(repo, captured['branch'], captured['path'], content);
    }, { files: [{ path: captured['path'] }] });
    // The captured content is redacted ("Content") while its size is the real file's.
    const { metadata, ...rest } = captured;
    expect(records).toEqual([expect.objectContaining({ ...rest, metadata: { ...metadata, size: Buffer.byteLength(content) } })]);
  });

  it.each(samplesOf('folder'))('folder %s', async (_file, captured) => {
    const records = await produce('folder', (world) => {
      const repo = world.addRepo(captured['__organization'], captured['__repository']['name'], { data: structuredClone(captured['__repository']) });
      world.setTreeEntry(repo, captured['__branch'], captured['folder']);
    }, { folders: [{ path: captured['folder']['path'], repos: [{ name: captured['__repository']['name'], branch: captured['__branch'] }] }] }, captured['__organization']);
    expect(records).toEqual([captured]);
  });

  it.each(samplesOf('skill'))('skill %s', async (_file, captured) => {
    const skill = captured['skill'] as Json;
    const markdown = `---\n${toYaml(skill['frontmatter'])}---\n${skill['instructions']}`;
    const records = await produce('skill', (world) => {
      const repo = world.addRepo(captured['__organization'], captured['__repository']['name'], { defaultBranch: captured['__repository']['default_branch'] });
      world.updateRepo(repo, { full_name: captured['__repository']['full_name'], html_url: captured['__repository']['html_url'] });
      world.setFile(repo, captured['__branch'], skill['skillMdPath'], markdown);
      world.setTreeEntry(repo, captured['__branch'], { path: skill['skillMdPath'], mode: '100644', type: 'blob', sha: skill['blob_sha'], url: `https://api.github.com/repos/${captured['__repository']['full_name']}/git/blobs/${skill['blob_sha']}` });
    }, { paths: [{ path: `${skill['root']}/**/SKILL.md`, repos: [{ name: captured['__repository']['name'], branch: captured['__branch'] }] }] }, captured['__organization']);
    expect(records).toEqual([captured]);
  });

  it.each(samplesOf('plugin'))('plugin %s', async (_file, captured) => {
    const plugin = captured['plugin'] as Json;
    const records = await produce('plugin', (world) => {
      const repo = world.addRepo(captured['__organization'], captured['__repository']['name'], { defaultBranch: captured['__repository']['default_branch'] });
      world.updateRepo(repo, { full_name: captured['__repository']['full_name'], html_url: captured['__repository']['html_url'] });
      const branch = captured['__branch'];
      const put = (file: string, value: unknown) => world.setFile(repo, branch, file, JSON.stringify(value));
      const { marketplaceName, ...claude } = plugin['claude'] as Json;
      if (plugin['supports']['claude']) {
        put('.claude-plugin/plugin.json', claude);
        if (marketplaceName) put('.claude-plugin/marketplace.json', { name: marketplaceName });
      }
      if (plugin['supports']['cursor']) put('.cursor-plugin/plugin.json', plugin['cursor']);
      if (plugin['supports']['codex']) put('.codex-plugin/plugin.json', plugin['codex']);
      if (plugin['supports']['agents']) put('.agents/plugins/marketplace.json', { name: plugin['agents']['marketplaceName'], plugins: [{ name: plugin['agents']['name'] }] });
      if (plugin['supports']['kimi']) put('.kimi-plugin/plugin.json', plugin['kimi']);
      if (plugin['supports']['antigravity']) put('gemini-extension.json', plugin['antigravity']);
      if (plugin['supports']['opencode']) world.setFile(repo, branch, '.opencode/plugins/index.ts', 'export {}');
      if (plugin['supports']['pi']) world.setFile(repo, branch, '.pi/extensions/index.ts', 'export {}');
    }, {}, captured['__organization']);
    expect(records).toHaveLength(1);
    // Ocean's current precedence for the summary fields differs from the one the sample was
    // captured with; the identity, the supported providers and each provider's manifest agree.
    const produced = records[0]!;
    expect(produced).toMatchObject({ __repository: captured['__repository'], __branch: captured['__branch'], __organization: captured['__organization'], plugin: { name: plugin['name'], version: plugin['version'], supports: plugin['supports'] } });
    for (const provider of ['cursor', 'codex', 'kimi', 'antigravity', 'opencode', 'pi']) expect(produced['plugin'][provider]).toEqual(plugin[provider]);
    expect(produced['plugin']['claude']).toMatchObject(plugin['claude']);
    expect(produced['plugin']['agents']).toMatchObject(plugin['agents']);
  });
});
