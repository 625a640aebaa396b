import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { LiveEvent, LiveEventProcessor, LiveEventResult } from '../../../src/sdk/index.js';
import { startGithubSimulator, type GithubSimulator, type GithubWorld, type Json } from '../../../test/support/github-simulator/index.js';
import { WEBHOOK_EVENTS } from '../live/github-live.js';
import { setUpGithub, type GithubUnderTest } from './github-test-support.js';
import { jest } from '@jest/globals';

// Simulators, tsx and GitHub's 13 MB OpenAPI document on a shared machine: generous limits, end states asserted.
jest.setTimeout(120_000);

/**
 * Every event the plugin handles, with GitHub's own example payloads (@octokit/webhooks-examples):
 * signed deliveries pass, forged ones do not, and each event updates or deletes the records of
 * the kinds it concerns, fetched fresh from the simulator where Ocean does so.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Json[] }[];
const SECRET = 'it-is-a-secret-to-everybody';

let simulator: GithubSimulator;
let github: GithubUnderTest;

beforeAll(async () => {
  simulator = await startGithubSimulator({ tokens: ['ghp_live'] });
  github = await setUpGithub({ githubHost: simulator.apiUrl, githubToken: 'ghp_live', webhookSecret: SECRET });
});
afterAll(async () => {
  await github?.close();
  await simulator?.close();
});

/** Puts what a payload talks about into the simulated GitHub, as GitHub would have it. */
function seed(world: GithubWorld, name: string, payload: Json): void {
  const repoData = payload['repository'] as Json | undefined;
  const repo = repoData ? (world.repo(repoData['owner']['login'], repoData['name']) ?? world.addRepo(repoData['owner']['login'], repoData['name'], { data: structuredClone(repoData) })) : undefined;
  const org = payload['organization'] ? (world.org(payload['organization']['login']) ?? world.addOrg(payload['organization']['login'])) : undefined;
  if (repo === undefined) {
    if ((name === 'team' || name === 'membership') && payload['team']['slug']) world.addTeam(org!, payload['team']['slug'], { members: payload['member'] ? [payload['member']['login']] : [] });
    if (name === 'organization' && payload['membership']) world.addMember(org!, payload['membership']['user']['login'], { email: 'member@example.com' });
    return;
  }
  if (payload['pull_request']) world.addPull(repo, structuredClone(payload['pull_request']));
  if (payload['issue']) world.addIssue(repo, structuredClone(payload['issue']));
  if (payload['release']) world.addRelease(repo, structuredClone(payload['release']));
  if (payload['workflow_run']) world.addRun(repo, structuredClone(payload['workflow_run']));
  if (payload['deployment']) {
    repo.deployments.put(structuredClone(payload['deployment']), (item) => item['id']);
    world.addEnvironment(repo, payload['deployment']['environment']);
  }
  if (payload['deployment_status']) world.addDeploymentStatus(repo, payload['deployment']['id'], payload['deployment_status']['state'], payload['deployment_status']['id']);
  if (name === 'dependabot_alert') repo.dependabotAlerts.put(structuredClone(payload['alert']), (item) => item['number']);
  if (name === 'code_scanning_alert') repo.codeScanningAlerts.put(structuredClone(payload['alert']), (item) => item['number']);
  if (name === 'member' && payload['action'] !== 'removed') world.addCollaborator(repo, payload['member']['login'], 'write');
  if (name === 'team') world.addTeam(org!, payload['team']['slug'], {});
  if (name === 'create' && payload['ref_type'] === 'branch') world.addBranch(repo, payload['ref']);
  if (name === 'create' && payload['ref_type'] === 'tag') world.addTag(repo, payload['ref']);
  if (name === 'push' && String(payload['ref']).startsWith('refs/heads/')) {
    const branch = String(payload['ref']).slice('refs/heads/'.length);
    world.addBranch(repo, branch);
    for (const commit of payload['commits'] ?? []) for (const file of [...commit['added'], ...commit['modified']]) world.setFile(repo, branch, file, `name: ${file}\n`);
  }
}

function delivery(name: string, payload: Json, secret = SECRET): LiveEvent {
  const rawBody = Buffer.from(JSON.stringify(payload));
  return {
    id: `event-${Math.random()}`,
    path: '/github',
    params: {},
    query: {},
    headers: { 'x-github-event': name, 'x-github-delivery': `delivery-${Math.random()}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`, 'content-type': 'application/json' },
    body: payload,
    rawBody,
    receivedAt: new Date(),
  };
}

/** Permissive selectors, so every state of every example counts. */
const SELECTORS: Record<string, Json> = {
  'pull-request': { states: ['open', 'closed'] },
  issue: { state: 'all' },
  'dependabot-alert': { states: ['auto_dismissed', 'dismissed', 'fixed', 'open'] },
  file: { files: [{ path: '**' }] },
  folder: { folders: [{ path: '**' }] },
};

async function deliver(name: string, payload: Json): Promise<{ processors: LiveEventProcessor[]; results: Map<string, LiveEventResult> }> {
  const event = delivery(name, payload);
  const processors: LiveEventProcessor[] = [];
  for (const processor of github.instance.live ?? []) if (await processor.handles!(event)) processors.push(processor);
  const results = new Map<string, LiveEventResult>();
  for (const processor of processors) {
    expect(await processor.authenticate!(event)).toBe(true);
    expect(await processor.authenticate!(delivery(name, payload, 'forged'))).toBe(false);
    expect(await processor.validate!(event)).toBe(true);
    expect(processor.resourceKey(event)).not.toBe('');
    for (const kind of await processor.kinds(event)) {
      const selector: Json & { query: string } = { query: 'true', ...(SELECTORS[kind] ?? {}) };
      if (kind === 'code-scanning-alerts') selector['state'] = (payload['alert'] as Json)['state'];
      results.set(kind, await processor.handle(event, { kind, selector, resourceIndex: 0, resource: { kind, selector }, mappingSettings: {}, signal: new AbortController().signal }));
    }
  }
  return { processors, results };
}

const handled = examples.filter((entry) => (WEBHOOK_EVENTS as readonly string[]).includes(entry.name));

it('every subscribed event has GitHub examples', () => {
  expect(handled.map((entry) => entry.name).sort()).toEqual([...WEBHOOK_EVENTS].sort());
});

describe.each(handled.map((entry) => [entry.name, entry.examples] as const))('%s', (name, payloads) => {
  it.each(payloads.map((payload, index) => [`${payload['action'] ?? 'example'} #${index}`, payload] as const))('%s', async (_label, payload) => {
    seed(simulator.world, name, payload);
    const { processors, results } = await deliver(name, payload);
    expect(processors).toHaveLength(1);
    const changed = [...results.values()].flatMap((result) => [...result.updated, ...result.deleted]);
    // A push to a tag, or a branch delete seen as a push, changes nothing; every other example does.
    const quiet = (name === 'push' && (!String(payload['ref']).startsWith('refs/heads/') || payload['deleted'] === true || (payload['commits'] ?? []).length === 0)) || (name === 'organization' && !['member_added', 'member_removed', 'renamed', 'deleted'].includes(payload['action'])) ||
      // A membership in a team deleted meanwhile: the team's own `deleted` event removes it.
      (name === 'membership' && payload['team']['deleted'] === true);
    if (!quiet) expect(changed.length).toBeGreaterThan(0);
    for (const record of changed) expect(typeof record).toBe('object');
  });
});

it('maps events to the right records and actions', async () => {
  const pr = handled.find((entry) => entry.name === 'pull_request')!.examples.find((payload) => payload['action'] === 'opened')!;
  seed(simulator.world, 'pull_request', pr);
  const opened = (await deliver('pull_request', pr)).results.get('pull-request')!;
  expect(opened.updated).toEqual([expect.objectContaining({ id: pr['pull_request']['id'], __repository: pr['repository']['name'], __organization: pr['repository']['owner']['login'] })]);

  // GitHub's examples have no `deleted`: the same payload with that action.
  const deletedRepo: Json = { ...handled.find((entry) => entry.name === 'repository')!.examples[0]!, action: 'deleted' };
  expect((await deliver('repository', deletedRepo)).results.get('repository')).toEqual({ updated: [], deleted: [expect.objectContaining({ name: deletedRepo['repository']['name'] })] });

  const removedTag = handled.find((entry) => entry.name === 'delete')!.examples.find((payload) => payload['ref_type'] === 'tag')!;
  expect((await deliver('delete', removedTag)).results.get('tag')).toEqual({ updated: [], deleted: [expect.objectContaining({ name: removedTag['ref'], __repository: removedTag['repository']['name'] })] });

  // A closed pull request leaves a mapping that syncs open ones only.
  const closed = handled.find((entry) => entry.name === 'pull_request')!.examples.find((payload) => payload['action'] === 'closed')!;
  seed(simulator.world, 'pull_request', closed);
  const event = delivery('pull_request', closed);
  const processor = (github.instance.live ?? []).find((candidate) => candidate.name === 'github-pull_request')!;
  const selector = { query: 'true' };
  expect(await processor.handle(event, { kind: 'pull-request', selector, resourceIndex: 0, resource: { kind: 'pull-request', selector }, mappingSettings: {}, signal: new AbortController().signal })).toEqual({ updated: [], deleted: [expect.objectContaining({ id: closed['pull_request']['id'] })] });
});

it('refuses unsigned deliveries when a secret is configured, and ignores events it does not handle', async () => {
  const payload = handled.find((entry) => entry.name === 'issues')!.examples[0]!;
  const event = delivery('issues', payload);
  delete event.headers['x-hub-signature-256'];
  const processor = (github.instance.live ?? []).find((candidate) => candidate.name === 'github-issues')!;
  expect(await processor.authenticate!(event)).toBe(false);
  const ping = delivery('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
  for (const candidate of github.instance.live ?? []) expect(await candidate.handles!(ping)).toBe(false);
});
