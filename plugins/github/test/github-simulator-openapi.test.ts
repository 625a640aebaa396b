import { startGithubSimulator, type GithubSimulator } from '../../../test/support/github-simulator/index.js';
import { createGithubOpenapiCheck } from '../../../test/support/github-simulator/openapi-check.js';
import { GITHUB_KINDS } from '../kinds/index.js';
import { collect, setUpGithub } from './github-test-support.js';

/**
 * The simulator answers as GitHub does: every JSON answer the plugin received in a resync of
 * all 21 kinds conforms to the response schema of GitHub's OpenAPI document for that operation.
 */
let simulator: GithubSimulator;

beforeAll(async () => {
  simulator = await startGithubSimulator({ tokens: ['ghp_openapi'], recordResponses: true });
  const { world } = simulator;
  const org = world.addOrg('acme');
  world.userOrgs = ['acme'];
  const repo = world.addRepo('acme', 'service');
  world.addPull(repo, world.buildPull(repo, 1));
  world.addPull(repo, world.buildPull(repo, 2, { state: 'closed', updatedAt: new Date().toISOString() }));
  world.addIssue(repo, world.buildIssue(repo, 3, { labels: ['bug'] }));
  const workflow = world.buildWorkflow(repo, 42, 'ci.yml');
  world.addWorkflow(repo, workflow);
  world.addRun(repo, world.buildRun(repo, workflow, 4242));
  world.addBranch(repo, 'release', { protected: true });
  world.addTag(repo, 'v1.0.0');
  world.addRelease(repo, world.buildRelease(repo, 7, 'v1.0.0'));
  world.addEnvironment(repo, 'production');
  const deployment = world.addDeployment(repo, { environment: 'production' });
  world.addDeploymentStatus(repo, deployment['id'], 'success');
  world.addDependabotAlert(repo, 1);
  world.addCodeScanningAlert(repo, 1);
  world.addCollaborator(repo, 'mona', 'admin');
  world.addTeam(org, 'platform', { members: ['mona'], repos: ['service'] });
  world.addMember(org, 'mona', { email: 'mona@example.com' });
  world.setFile(repo, 'main', 'README.md', '# service\n');
  world.setFile(repo, 'main', 'config/port.yaml', 'name: service\n');
  world.setFile(repo, 'main', 'skills/hi/SKILL.md', '---\nname: hi\n---\nHi\n');
  world.setFile(repo, 'main', '.claude-plugin/plugin.json', '{"name":"p"}');
});
afterAll(() => simulator?.close());

it('every answer of a resync of every kind conforms to GitHub’s OpenAPI document', async () => {
  const github = await setUpGithub({ githubHost: simulator.apiUrl, githubToken: 'ghp_openapi', githubOrganization: 'acme' });
  const selectors: Record<string, Record<string, unknown>> = {
    repository: { include: ['collaborators', 'teams'], includedFiles: ['README.md'] },
    'pull-request': { states: ['open', 'closed'] },
    branch: { protectionRules: true, detailed: true },
    team: { members: false },
    file: { files: [{ path: '**/*.yaml' }] },
    folder: { folders: [{ path: '*' }] },
  };
  try {
    for (const kind of GITHUB_KINDS) await collect(github.instance, kind, selectors[kind] ?? {});
  } finally {
    await github.close();
  }
  const check = createGithubOpenapiCheck();
  const checked = new Set<string>();
  const problems: string[] = [];
  for (const response of simulator.responses) {
    if (response.path === '/graphql' || response.status >= 300) continue;
    checked.add(`${response.method} ${check.templateOf(response.method, response.path) ?? response.path}`);
    problems.push(...check.problems(response.method, response.path, response.status, response.body));
  }
  expect(problems).toEqual([]);
  // The operations the plugin uses, each checked at least once.
  expect([...checked].sort()).toEqual(
    expect.arrayContaining([
      'GET /orgs/{org}',
      'GET /orgs/{org}/repos',
      'GET /repos/{owner}/{repo}',
      'GET /repos/{owner}/{repo}/pulls',
      'GET /repos/{owner}/{repo}/issues',
      'GET /repos/{owner}/{repo}/actions/workflows',
      'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
      'GET /repos/{owner}/{repo}/releases',
      'GET /repos/{owner}/{repo}/tags',
      'GET /repos/{owner}/{repo}/branches',
      'GET /repos/{owner}/{repo}/branches/{branch}',
      'GET /repos/{owner}/{repo}/branches/{branch}/protection',
      'GET /repos/{owner}/{repo}/environments',
      'GET /repos/{owner}/{repo}/deployments',
      'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      'GET /repos/{owner}/{repo}/dependabot/alerts',
      'GET /repos/{owner}/{repo}/code-scanning/alerts',
      'GET /repos/{owner}/{repo}/collaborators',
      'GET /repos/{owner}/{repo}/teams',
      'GET /repos/{owner}/{repo}/contents/{path}',
      'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
      'GET /orgs/{org}/teams',
    ]),
  );
}, 180_000);
