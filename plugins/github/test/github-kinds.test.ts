import { startGithubSimulator, type GithubSimulator } from '../../../test/support/github-simulator/index.js';
import { collect, setUpGithub, type GithubUnderTest } from './github-test-support.js';
import { jest } from '@jest/globals';

// Simulators, tsx and GitHub's 13 MB OpenAPI document on a shared machine: generous limits, end states asserted.
jest.setTimeout(120_000);

let simulator: GithubSimulator;
let github: GithubUnderTest;

beforeAll(async () => {
  simulator = await startGithubSimulator({ tokens: ['ghp_kinds'] });
  const { world } = simulator;
  const org = world.addOrg('acme');
  world.userOrgs = ['acme'];
  for (let r = 0; r < 3; r++) {
    const repo = world.addRepo('acme', `service-${r}`, { private: r === 2 });
    for (let n = 1; n <= 3; n++) world.addPull(repo, world.buildPull(repo, n, { state: n === 3 ? 'closed' : 'open', updatedAt: new Date().toISOString() }));
    for (let n = 1; n <= 2; n++) world.addIssue(repo, world.buildIssue(repo, 10 + n, { labels: n === 1 ? ['bug'] : [] }));
    const workflow = world.buildWorkflow(repo, 500 + r, 'ci.yml');
    world.addWorkflow(repo, workflow);
    for (let n = 0; n < 2; n++) world.addRun(repo, world.buildRun(repo, workflow, 7000 + r * 10 + n));
    world.addBranch(repo, 'develop', { protected: true });
    world.addTag(repo, 'v1.0.0');
    world.addRelease(repo, world.buildRelease(repo, 100 + r, 'v1.0.0'));
    world.addEnvironment(repo, 'production');
    const deployment = world.addDeployment(repo, { environment: 'production' });
    world.addDeploymentStatus(repo, deployment['id'], 'success');
    world.addDependabotAlert(repo, 1, { severity: 'high' });
    world.addCodeScanningAlert(repo, 1);
    world.addCollaborator(repo, 'mona', 'admin');
    world.setFile(repo, 'main', 'README.md', `# service-${r}\n`);
    world.setFile(repo, 'main', 'port.yml', 'name: svc\nowner: file://owners.yml\n');
    world.setFile(repo, 'main', 'owners.yml', 'team: platform\n');
    world.setFile(repo, 'main', 'skills/hello/SKILL.md', '---\nname: hello\ndescription: Says hello\n---\n# Hello\n');
    world.setFile(repo, 'main', '.claude-plugin/plugin.json', JSON.stringify({ name: `plugin-${r}`, version: '1.0.0', description: 'A plugin' }));
  }
  world.addMember(org, 'mona', { email: 'mona@example.com', name: 'Mona' });
  world.addMember(org, 'hubot', { name: 'Hubot' });
  org.saml = new Map([['hubot', 'hubot@sso.example.com']]);
  world.addTeam(org, 'platform', { members: ['mona', 'hubot'] });
  github = await setUpGithub({ githubHost: simulator.apiUrl, githubToken: 'ghp_kinds', githubOrganization: 'acme' });
});

afterAll(async () => {
  await github?.close();
  await simulator?.close();
});

it('organization: the configured organization, in full', async () => {
  const records = await collect(github.instance, 'organization');
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ login: 'acme', type: 'Organization', hooks_url: expect.any(String), description: 'The acme organization' });
});

it('repository: every repository, filtered by the mapping repositoryType, enriched on request', async () => {
  expect((await collect(github.instance, 'repository')).map((repo) => repo['name'])).toEqual(['service-0', 'service-1', 'service-2']);
  expect((await collect(github.instance, 'repository', {}, { repositoryType: 'private' })).map((repo) => repo['name'])).toEqual(['service-2']);
  const [first] = await collect(github.instance, 'repository', { include: ['collaborators', 'teams'], includedFiles: ['README.md', 'MISSING.md'] });
  expect(first).toMatchObject({ name: 'service-0', __collaborators: [expect.objectContaining({ login: 'mona', role_name: 'admin' })], __teams: [], __includedFiles: { 'README.md': '# service-0\n', 'MISSING.md': null } });
});

it('pull-request, issue, workflow, workflow-run: per repository, with __repository and __organization', async () => {
  const open = await collect(github.instance, 'pull-request');
  expect(open).toHaveLength(6);
  expect(open.every((pr) => pr['state'] === 'open' && pr['__organization'] === 'acme')).toBe(true);
  const both = await collect(github.instance, 'pull-request', { states: ['open', 'closed'] });
  expect(both).toHaveLength(9);
  expect(await collect(github.instance, 'issue', { labels: ['bug'] })).toHaveLength(3);
  expect((await collect(github.instance, 'workflow')).map((w) => w['__repository']).sort()).toEqual(['service-0', 'service-1', 'service-2']);
  expect(await collect(github.instance, 'workflow-run')).toHaveLength(6);
});

it('the other repository kinds', async () => {
  expect(await collect(github.instance, 'release')).toHaveLength(3);
  expect((await collect(github.instance, 'tag'))[0]).toMatchObject({ name: 'v1.0.0', commit: { sha: expect.any(String) }, __repository: expect.any(String) });
  const branches = await collect(github.instance, 'branch', { protectionRules: true });
  expect(branches).toHaveLength(6);
  expect(branches.find((b) => b['name'] === 'develop')).toMatchObject({ __is_default_branch: false, __protection_rules: { required_status_checks: expect.any(Object) } });
  expect((await collect(github.instance, 'branch', { defaultBranchOnly: true })).map((b) => b['name'])).toEqual(['main', 'main', 'main']);
  expect(await collect(github.instance, 'environment')).toHaveLength(3);
  expect(await collect(github.instance, 'deployment')).toHaveLength(3);
  expect(await collect(github.instance, 'deployment-status')).toHaveLength(3);
  expect(await collect(github.instance, 'dependabot-alert', { severity: ['high'] })).toHaveLength(3);
  expect(await collect(github.instance, 'dependabot-alert', { severity: ['low'] })).toHaveLength(0);
  expect(await collect(github.instance, 'code-scanning-alerts')).toHaveLength(3);
  expect(await collect(github.instance, 'collaborator')).toHaveLength(3);
});

it('file, folder, skill and plugin: from the repositories trees', async () => {
  const files = await collect(github.instance, 'file', { files: [{ path: '*.yml', repos: [{ name: 'service-1' }] }] });
  expect(files.map((f) => f['path']).sort()).toEqual(['owners.yml', 'port.yml']);
  expect(files.find((f) => f['path'] === 'port.yml')).toMatchObject({ content: { name: 'svc', owner: { team: 'platform' } }, branch: 'main', __base_jq: '.content', repository: { name: 'service-1' } });
  // `*`: top-level folders; hidden ones (.claude-plugin) only match a pattern that names them, as in Ocean.
  expect((await collect(github.instance, 'folder', { folders: [{ path: '*' }] })).map((f) => (f['folder'] as Record<string, unknown>)['path'])).toEqual(['skills', 'skills', 'skills']);
  const skills = await collect(github.instance, 'skill');
  expect(skills[0]).toMatchObject({ skill: { name: 'hello', description: 'Says hello', root: 'skills', skillMdPath: 'skills/hello/SKILL.md' }, __branch: 'main', __organization: 'acme' });
  const plugins = await collect(github.instance, 'plugin');
  expect(plugins.map((p) => (p['plugin'] as Record<string, unknown>)['name']).sort()).toEqual(['plugin-0', 'plugin-1', 'plugin-2']);
});

it('user and team: GraphQL, with SAML emails for members without one', async () => {
  const users = await collect(github.instance, 'user');
  expect(users).toEqual([
    { login: 'mona', id: expect.any(String), databaseId: expect.any(Number), email: 'mona@example.com', name: 'Mona' },
    { login: 'hubot', id: expect.any(String), databaseId: expect.any(Number), email: 'hubot@sso.example.com', name: 'Hubot' },
  ]);
  const [team] = await collect(github.instance, 'team');
  expect(team).toMatchObject({ slug: 'platform', members: { nodes: [{ login: 'mona' }, { login: 'hubot' }] } });
  expect((await collect(github.instance, 'team', { members: false }))[0]).toMatchObject({ slug: 'platform', permission: 'pull' });
});
