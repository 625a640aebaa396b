import { verify } from '@octokit/webhooks-methods';
import { defineLiveEventProcessor, RetryableError, type LiveEvent, type LiveEventProcessor, type LiveEventRequest, type LiveEventResult } from '../../../src/sdk/index.js';
import type { CallOptions } from '../client/github-client.js';
import { inRepository, mappingSettingsOf, organization, type KindContext } from '../kinds/context.js';
import { compactRepository, DEFAULT_SKILL_PATHS, fileRecord, pluginRecord, skillRecord } from '../kinds/file-kinds.js';
import { completeMembers, TEAMS_QUERY } from '../kinds/organization-kinds.js';
import { globMatcher, repositoryTree } from '../kinds/repo-content.js';
import { branchOptions, branchRecord, branchSelected, enrichRepository } from '../kinds/repository-kinds.js';
import { selectorReader } from '../kinds/selectors.js';
import { eventName, payloadOf, repositoryOf, type Json } from './payload.js';

/** Where GitHub delivers: `/integrations/<identifier>/webhook/github`. */
export const GITHUB_WEBHOOK_PATH = '/github';

/** The events the organization webhook subscribes to: every one a processor handles. */
export const WEBHOOK_EVENTS = [
  'repository',
  'pull_request',
  'issues',
  'release',
  'create',
  'delete',
  'push',
  'workflow_run',
  'deployment',
  'deployment_status',
  'dependabot_alert',
  'code_scanning_alert',
  'team',
  'membership',
  'member',
  'organization',
] as const;

const NOTHING: LiveEventResult = { updated: [], deleted: [] };

interface EventSpec {
  event: (typeof WEBHOOK_EVENTS)[number];
  kinds: (event: LiveEvent) => string[];
  /** The resource whose events must stay in order. */
  key: (payload: Json) => string;
  valid: (payload: Json) => boolean;
  handle: (context: KindContext, event: LiveEvent, request: LiveEventRequest, call: CallOptions) => Promise<LiveEventResult>;
}

const repoKey = (payload: Json) => String(payload['repository']?.['full_name'] ?? payload['repository']?.['id'] ?? '');
const hasRepository = (payload: Json) => typeof payload['repository']?.['name'] === 'string';

/** A 5xx (or a network failure) from GitHub while handling an event is worth another try. */
async function fresh<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === undefined || status >= 500) throw new RetryableError(`GitHub did not answer: ${(error as Error).message}`);
    throw error;
  }
}

function requireRepo(event: LiveEvent) {
  const repo = repositoryOf(event);
  if (repo === undefined) throw new Error('the event has no repository');
  return repo;
}

const SPECS: EventSpec[] = [
  {
    event: 'repository',
    kinds: () => ['repository'],
    key: repoKey,
    valid: hasRepository,
    async handle(context, event, request, call) {
      const { org, owner, name, data } = requireRepo(event);
      if (payloadOf(event)['action'] === 'deleted') return { updated: [], deleted: [data] };
      const repo = await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}', { owner, repo: name }, call));
      if (repo === undefined) return { updated: [], deleted: [data] };
      const type = mappingSettingsOf(request).repositoryType;
      if ((type === 'private' && !repo['private']) || (type === 'public' && repo['private'])) return { updated: [], deleted: [repo] };
      const select = selectorReader(request.kind, request.selector);
      const enriched = await fresh(() => enrichRepository(context, repo, select.listOf('include', ['collaborators', 'teams', 'sbom'] as const, []), select.strings('includedFiles') ?? [], call));
      void org;
      return { updated: [enriched], deleted: [] };
    },
  },
  {
    event: 'pull_request',
    kinds: () => ['pull-request'],
    key: (payload) => `${repoKey(payload)}#${payload['pull_request']?.['number']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['pull_request']?.['number'] === 'number',
    async handle(context, event, request, call) {
      const { org, owner, name } = requireRepo(event);
      const sent = payloadOf(event)['pull_request'] as Json;
      const pr = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo: name, pull_number: sent['number'] }, call))) ?? sent;
      const record = inRepository(pr, name, org);
      const states = selectorReader(request.kind, request.selector).listOf('states', ['open', 'closed'] as const, ['open']);
      return states.includes(pr['state']) ? { updated: [record], deleted: [] } : { updated: [], deleted: [record] };
    },
  },
  {
    event: 'issues',
    kinds: () => ['issue'],
    key: (payload) => `${repoKey(payload)}#${payload['issue']?.['number']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['issue']?.['number'] === 'number',
    async handle(context, event, request, call) {
      const { org, owner, name } = requireRepo(event);
      const payload = payloadOf(event);
      const sent = payload['issue'] as Json;
      if (payload['action'] === 'deleted' || payload['action'] === 'transferred') return { updated: [], deleted: [inRepository(sent, name, org)] };
      const issue = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo: name, issue_number: sent['number'] }, call))) ?? sent;
      const record = inRepository(issue, name, org);
      const select = selectorReader(request.kind, request.selector);
      const state = select.oneOf('state', ['open', 'closed', 'all'] as const, 'open');
      const labels = (select.strings('labels') ?? []).map((label) => label.toLowerCase());
      const names = new Set(((issue['labels'] as Json[] | undefined) ?? []).map((label) => String(label['name']).toLowerCase()));
      const wanted = (state === 'all' || issue['state'] === state) && labels.every((label) => names.has(label));
      return wanted ? { updated: [record], deleted: [] } : { updated: [], deleted: [record] };
    },
  },
  {
    event: 'release',
    kinds: () => ['release'],
    key: (payload) => `${repoKey(payload)}#release:${payload['release']?.['id']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['release']?.['id'] === 'number',
    async handle(context, event, _request, call) {
      const { org, owner, name } = requireRepo(event);
      const payload = payloadOf(event);
      const sent = payload['release'] as Json;
      if (payload['action'] === 'deleted') return { updated: [], deleted: [inRepository(sent, name, org)] };
      const release = await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/releases/{release_id}', { owner, repo: name, release_id: sent['id'] }, call));
      return release === undefined ? { updated: [], deleted: [inRepository(sent, name, org)] } : { updated: [inRepository(release, name, org)], deleted: [] };
    },
  },
  ...(['create', 'delete'] as const).map(
    (kind): EventSpec => ({
      event: kind,
      kinds: (event) => (payloadOf(event)['ref_type'] === 'tag' ? ['tag'] : payloadOf(event)['ref_type'] === 'branch' ? ['branch'] : []),
      key: (payload) => `${repoKey(payload)}@${payload['ref_type']}:${payload['ref']}`,
      valid: (payload) => hasRepository(payload) && typeof payload['ref'] === 'string',
      async handle(context, event, request, call) {
        const { org, owner, name, data } = requireRepo(event);
        const payload = payloadOf(event);
        const ref = String(payload['ref']);
        if (request.kind === 'tag') {
          if (kind === 'delete') return { updated: [], deleted: [inRepository({ name: ref }, name, org)] };
          const tag = await fresh(() => findTag(context, owner, name, ref, call));
          return tag === undefined ? NOTHING : { updated: [inRepository(tag, name, org)], deleted: [] };
        }
        const options = branchOptions(request.kind, request.selector);
        if (!branchSelected(options, ref, String(data['default_branch']))) return NOTHING;
        const repo = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}', { owner, repo: name }, call))) ?? data;
        if (kind === 'delete') return { updated: [], deleted: [{ name: ref, __repository: name, __repository_object: repo, __organization: org, __is_default_branch: false }] };
        const branch = await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/branches/{branch}', { owner, repo: name, branch: ref }, call));
        return branch === undefined ? NOTHING : { updated: [await branchRecord(context, org, repo, branch, options, call)], deleted: [] };
      },
    }),
  ),
  {
    event: 'push',
    kinds: () => ['branch', 'file', 'folder', 'skill', 'plugin'],
    key: (payload) => `${repoKey(payload)}@${payload['ref']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['ref'] === 'string',
    handle: handlePush,
  },
  {
    event: 'workflow_run',
    kinds: () => ['workflow-run'],
    key: (payload) => `${repoKey(payload)}#run:${payload['workflow_run']?.['id']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['workflow_run']?.['id'] === 'number',
    async handle(context, event, _request, call) {
      const { org, owner, name } = requireRepo(event);
      const sent = payloadOf(event)['workflow_run'] as Json;
      const run = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner, repo: name, run_id: sent['id'] }, call))) ?? sent;
      return { updated: [inRepository(run, name, org)], deleted: [] };
    },
  },
  {
    event: 'deployment',
    kinds: () => ['deployment', 'environment'],
    key: (payload) => `${repoKey(payload)}#deployment:${payload['deployment']?.['id']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['deployment']?.['id'] === 'number',
    async handle(context, event, request, call) {
      const { org, owner, name } = requireRepo(event);
      const sent = payloadOf(event)['deployment'] as Json;
      if (request.kind === 'environment') {
        const environment = await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/environments/{environment_name}', { owner, repo: name, environment_name: sent['environment'] }, call));
        return environment === undefined ? NOTHING : { updated: [inRepository(environment, name, org)], deleted: [] };
      }
      const deployment = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/deployments/{deployment_id}', { owner, repo: name, deployment_id: sent['id'] }, call))) ?? sent;
      return deploymentWanted(request, deployment) ? { updated: [inRepository(deployment, name, org)], deleted: [] } : NOTHING;
    },
  },
  {
    event: 'deployment_status',
    kinds: () => ['deployment-status', 'deployment'],
    key: (payload) => `${repoKey(payload)}#deployment:${payload['deployment']?.['id']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['deployment']?.['id'] === 'number' && typeof payload['deployment_status']?.['id'] === 'number',
    async handle(context, event, request, call) {
      const { org, owner, name } = requireRepo(event);
      const payload = payloadOf(event);
      const deployment = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/deployments/{deployment_id}', { owner, repo: name, deployment_id: payload['deployment']['id'] }, call))) ?? (payload['deployment'] as Json);
      if (!deploymentWanted(request, deployment)) return NOTHING;
      if (request.kind === 'deployment') return { updated: [inRepository(deployment, name, org)], deleted: [] };
      const status =
        (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}', { owner, repo: name, deployment_id: deployment['id'], status_id: payload['deployment_status']['id'] }, call))) ??
        (payload['deployment_status'] as Json);
      return { updated: [{ ...inRepository(status, name, org), __deployment: deployment }], deleted: [] };
    },
  },
  {
    event: 'dependabot_alert',
    kinds: () => ['dependabot-alert'],
    key: (payload) => `${repoKey(payload)}#dependabot:${payload['alert']?.['number']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['alert']?.['number'] === 'number',
    async handle(context, event, request, call) {
      const { org, owner, name } = requireRepo(event);
      const sent = payloadOf(event)['alert'] as Json;
      const alert = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/dependabot/alerts/{alert_number}', { owner, repo: name, alert_number: sent['number'] }, call))) ?? sent;
      const states = selectorReader(request.kind, request.selector).listOf('states', ['auto_dismissed', 'dismissed', 'fixed', 'open'] as const, ['open']);
      const record = inRepository(alert, name, org);
      return states.includes(alert['state']) ? { updated: [record], deleted: [] } : { updated: [], deleted: [record] };
    },
  },
  {
    event: 'code_scanning_alert',
    kinds: () => ['code-scanning-alerts'],
    key: (payload) => `${repoKey(payload)}#code-scanning:${payload['alert']?.['number']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['alert']?.['number'] === 'number',
    async handle(context, event, request, call) {
      const { org, owner, name } = requireRepo(event);
      const sent = payloadOf(event)['alert'] as Json;
      const alert = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}', { owner, repo: name, alert_number: sent['number'] }, call))) ?? sent;
      const state = selectorReader(request.kind, request.selector).oneOf('state', ['open', 'closed', 'dismissed', 'fixed'] as const, 'open');
      const record = inRepository(alert, name, org);
      // GitHub's `closed` filter covers dismissed and fixed alerts.
      const matches = alert['state'] === state || (state === 'closed' && ['dismissed', 'fixed'].includes(alert['state']));
      return matches ? { updated: [record], deleted: [] } : { updated: [], deleted: [record] };
    },
  },
  ...(['team', 'membership'] as const).map(
    (name): EventSpec => ({
      event: name,
      kinds: () => ['team'],
      key: (payload) => `team:${payload['team']?.['id']}`,
      valid: (payload) => (typeof payload['team']?.['slug'] === 'string' || payload['team']?.['deleted'] === true) && typeof payload['organization']?.['login'] === 'string',
      async handle(context, event, request, call) {
        const payload = payloadOf(event);
        // A membership event about a team deleted meanwhile: the team's `deleted` event removes it.
        if (payload['team']['deleted'] === true) return NOTHING;
        const org = String(payload['organization']['login']);
        const sent = payload['team'] as Json;
        const withMembers = selectorReader(request.kind, request.selector).bool('members', true);
        if (name === 'team' && payload['action'] === 'deleted') return { updated: [], deleted: [withMembers ? { slug: sent['slug'], id: sent['node_id'], databaseId: sent['id'], name: sent['name'] } : sent] };
        if (!withMembers) {
          const team = await fresh(() => context.client.requestOptional<Json>('GET /orgs/{org}/teams/{team_slug}', { org, team_slug: sent['slug'] }, call));
          return team === undefined ? { updated: [], deleted: [sent] } : { updated: [team], deleted: [] };
        }
        const team = await fresh(() => graphqlTeam(context, org, String(sent['slug']), call));
        return team === undefined ? { updated: [], deleted: [{ slug: sent['slug'], id: sent['node_id'], databaseId: sent['id'], name: sent['name'] }] } : { updated: [team], deleted: [] };
      },
    }),
  ),
  {
    event: 'member',
    kinds: () => ['collaborator'],
    key: (payload) => `${repoKey(payload)}#member:${payload['member']?.['login']}`,
    valid: (payload) => hasRepository(payload) && typeof payload['member']?.['login'] === 'string',
    async handle(context, event, _request, call) {
      const { org, owner, name } = requireRepo(event);
      const payload = payloadOf(event);
      const member = payload['member'] as Json;
      if (payload['action'] === 'removed') return { updated: [], deleted: [inRepository(member, name, org)] };
      for await (const page of context.client.pages('GET /repos/{owner}/{repo}/collaborators', { owner, repo: name }, call)) {
        const found = page.find((collaborator) => collaborator['login'] === member['login']);
        if (found) return { updated: [inRepository(found, name, org)], deleted: [] };
      }
      return { updated: [], deleted: [inRepository(member, name, org)] };
    },
  },
  {
    event: 'organization',
    kinds: (event) => (['member_added', 'member_removed'].includes(payloadOf(event)['action']) ? ['user'] : ['organization']),
    key: (payload) => `org:${payload['organization']?.['login']}#${payload['membership']?.['user']?.['login'] ?? ''}`,
    valid: (payload) => typeof payload['organization']?.['login'] === 'string',
    async handle(context, event, request, call) {
      const payload = payloadOf(event);
      const org = String(payload['organization']['login']);
      if (request.kind === 'organization') {
        if (payload['action'] === 'deleted') return { updated: [], deleted: [payload['organization']] };
        return { updated: [await fresh(() => organization(context.client, org, call))], deleted: [] };
      }
      const user = payload['membership']?.['user'] as Json | undefined;
      if (user === undefined) return NOTHING;
      const member = { login: user['login'], id: user['node_id'], databaseId: user['id'] };
      if (payload['action'] === 'member_removed') return { updated: [], deleted: [member] };
      const found = await fresh(() => orgMember(context, org, String(user['login']), call));
      return found === undefined ? NOTHING : { updated: [found], deleted: [] };
    },
  },
];

function deploymentWanted(request: LiveEventRequest, deployment: Json): boolean {
  const select = selectorReader(request.kind, request.selector);
  const task = select.str('task');
  const environment = select.str('environment');
  return (task === undefined || deployment['task'] === task) && (environment === undefined || deployment['environment'] === environment);
}

async function findTag(context: KindContext, owner: string, repo: string, tag: string, call: CallOptions): Promise<Json | undefined> {
  for await (const page of context.client.pages('GET /repos/{owner}/{repo}/tags', { owner, repo }, call)) {
    const found = page.find((candidate) => candidate['name'] === tag);
    if (found) return found;
  }
  return undefined;
}

async function graphqlTeam(context: KindContext, org: string, slug: string, call: CallOptions): Promise<Json | undefined> {
  // The list query with the team's own members; one team, so the whole first page of teams is not needed.
  for await (const teams of (async function* () {
    let after: string | null = null;
    for (;;) {
      const data: Json = await context.client.graphql(TEAMS_QUERY, { organization: org, after }, call);
      const connection = data['organization']?.['teams'];
      if (!connection) return;
      yield connection['nodes'] as Json[];
      if (!connection['pageInfo']['hasNextPage']) return;
      after = connection['pageInfo']['endCursor'];
    }
  })()) {
    const team = teams.find((candidate) => candidate?.['slug'] === slug);
    if (team) return completeMembers(context.client, org, team, call);
  }
  return undefined;
}

const MEMBER_QUERY = /* GraphQL */ `
  query OrgMembers($organization: String!, $first: Int = 100, $after: String) {
    organization(login: $organization) {
      membersWithRole(first: $first, after: $after) {
        nodes { login id databaseId email name }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

async function orgMember(context: KindContext, org: string, login: string, call: CallOptions): Promise<Json | undefined> {
  let after: string | null = null;
  for (;;) {
    const data: Json = await context.client.graphql(MEMBER_QUERY, { organization: org, after }, call);
    const connection = data['organization']?.['membersWithRole'];
    if (!connection) return undefined;
    const found = (connection['nodes'] as Json[]).find((member) => member?.['login'] === login);
    if (found) return found;
    if (!connection['pageInfo']['hasNextPage']) return undefined;
    after = connection['pageInfo']['endCursor'];
  }
}

/**
 * A push changes the pushed branch (its head commit), the files and folders under it, and the
 * skills and plugins it ships. Changed paths come from the payload's commits (GitHub lists up
 * to 20 commits; beyond that the compare API gives the whole change).
 */
async function handlePush(context: KindContext, event: LiveEvent, request: LiveEventRequest, call: CallOptions): Promise<LiveEventResult> {
  const { org, owner, name, data } = requireRepo(event);
  const payload = payloadOf(event);
  const ref = String(payload['ref']);
  if (!ref.startsWith('refs/heads/')) return NOTHING;
  const branch = ref.slice('refs/heads/'.length);
  if (payload['deleted'] === true) return NOTHING; // the delete event handles the branch
  const repo = (await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}', { owner, repo: name }, call))) ?? data;
  const defaultBranch = String(repo['default_branch']);
  if (request.kind === 'branch') {
    const options = branchOptions(request.kind, request.selector);
    if (!branchSelected(options, branch, defaultBranch)) return NOTHING;
    const found = await fresh(() => context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/branches/{branch}', { owner, repo: name, branch }, call));
    return found === undefined ? NOTHING : { updated: [await branchRecord(context, org, repo, found, options, call)], deleted: [] };
  }
  const { changed, removed } = await fresh(() => changedPaths(context, owner, name, payload, call));
  if (changed.length === 0 && removed.length === 0) return NOTHING;
  if (request.kind === 'file') {
    const patterns = (request.selector['files'] as Json[] | undefined) ?? [];
    const applies = patterns.filter((pattern) => patternCovers(pattern, org, name, branch, defaultBranch));
    const matchers = applies.map((pattern) => ({ matches: globMatcher(String(pattern['path'])), skipParsing: pattern['skipParsing'] === true }));
    const updated: Json[] = [];
    const deleted: Json[] = [];
    for (const filePath of changed) {
      const match = matchers.find((candidate) => candidate.matches(filePath));
      if (match === undefined) continue;
      const record = await fresh(() => fileRecord(context, { org, repo, branch, filePath, skipParsing: match.skipParsing }, call));
      if (record) updated.push(record);
    }
    for (const filePath of removed) {
      if (matchers.some((candidate) => candidate.matches(filePath))) deleted.push({ organization: org, repository: repo, branch, path: filePath, name: filePath.split('/').pop(), content: null, metadata: { path: filePath }, __base_jq: '.content' });
    }
    return { updated, deleted };
  }
  if (request.kind === 'folder') {
    const patterns = ((request.selector['folders'] as Json[] | undefined) ?? []).filter((pattern) => patternCovers(pattern, org, name, branch, defaultBranch));
    if (patterns.length === 0) return NOTHING;
    // The folders of the branch now; folders that vanished are deleted by the next resync.
    const tree = await fresh(() => repositoryTree(context.client, owner, name, branch, call));
    const matchers = patterns.map((pattern) => globMatcher(String(pattern['path'] ?? '*')));
    const touched = new Set([...changed, ...removed].flatMap((filePath) => ancestors(filePath)));
    const updated = tree
      .filter((entry) => entry.type === 'tree' && touched.has(entry.path) && matchers.some((matches) => matches(entry.path)))
      .map((entry) => ({ folder: { path: entry.path, mode: entry.mode, type: entry.type, sha: entry.sha, url: entry.url }, __repository: repo, __organization: org, __branch: branch }));
    return { updated, deleted: [] };
  }
  if (request.kind === 'skill') {
    if (branch !== defaultBranch) return NOTHING;
    const given = request.selector['paths'] as Json[] | undefined;
    const globs = given === undefined ? DEFAULT_SKILL_PATHS : given.map((pattern) => String(pattern['path'] ?? ''));
    const matchers = globs.map((glob) => globMatcher(glob, { dot: true }));
    const isSkill = (filePath: string) => /(^|\/)SKILL\.md$/i.test(filePath) && matchers.some((matches) => matches(filePath));
    const updated: Json[] = [];
    for (const filePath of changed.filter(isSkill)) {
      const file = await fresh(() => fileRecord(context, { org, repo, branch, filePath, skipParsing: true }, call));
      if (file) updated.push(skillRecord({ skillMdPath: filePath, content: String(file['content']), repository: repo, branch, organization: org, globs }));
    }
    const deleted = removed.filter(isSkill).map((filePath) => skillRecord({ skillMdPath: filePath, content: '', repository: repo, branch, organization: org, globs }));
    return { updated, deleted };
  }
  if (request.kind === 'plugin') {
    if (branch !== defaultBranch) return NOTHING;
    const touchesPlugin = [...changed, ...removed].some((filePath) => /^(\.claude-plugin|\.cursor-plugin|\.codex-plugin|\.kimi-plugin|\.agents\/plugins|\.opencode\/plugins|\.pi\/extensions)\/|^gemini-extension\.json$/.test(filePath));
    if (!touchesPlugin) return NOTHING;
    const tree = await fresh(() => repositoryTree(context.client, owner, name, branch, call));
    const providers = (request.selector['providers'] as string[] | undefined) ?? ['claude', 'cursor', 'codex', 'agents', 'kimi', 'opencode', 'pi', 'antigravity'];
    const record = await fresh(() => pluginRecord(context, org, repo, branch, tree, providers, call));
    return record === undefined ? { updated: [], deleted: [{ plugin: { name: repo['name'] }, __repository: compactRepository(repo), __branch: branch, __organization: org }] } : { updated: [record], deleted: [] };
  }
  return NOTHING;
}

function ancestors(filePath: string): string[] {
  const parts = filePath.split('/');
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** Whether a file or folder pattern applies to this repository branch. */
function patternCovers(pattern: Json, org: string, repo: string, branch: string, defaultBranch: string): boolean {
  if (typeof pattern['organization'] === 'string' && pattern['organization'].toLowerCase() !== org.toLowerCase()) return false;
  const repos = pattern['repos'] as (Json | string)[] | undefined;
  if (!repos || repos.length === 0) return branch === defaultBranch;
  return repos.some((entry) => {
    const wanted = typeof entry === 'string' ? { name: entry } : entry;
    return wanted['name'] === repo && (wanted['branch'] ?? defaultBranch) === branch;
  });
}

async function changedPaths(context: KindContext, owner: string, repo: string, payload: Json, call: CallOptions): Promise<{ changed: string[]; removed: string[] }> {
  const commits = (payload['commits'] as Json[] | undefined) ?? [];
  if (commits.length >= 20 && typeof payload['before'] === 'string' && typeof payload['after'] === 'string') {
    const comparison = await context.client.request<{ files?: Json[] }>('GET /repos/{owner}/{repo}/compare/{basehead}', { owner, repo, basehead: `${payload['before']}...${payload['after']}` }, call);
    const files = comparison.data.files ?? [];
    return { changed: files.filter((file) => file['status'] !== 'removed').map((file) => String(file['filename'])), removed: files.filter((file) => file['status'] === 'removed').map((file) => String(file['filename'])) };
  }
  const changed = new Set<string>();
  const removed = new Set<string>();
  for (const commit of commits) {
    for (const filePath of [...(commit['added'] ?? []), ...(commit['modified'] ?? [])]) {
      changed.add(filePath);
      removed.delete(filePath);
    }
    for (const filePath of commit['removed'] ?? []) {
      removed.add(filePath);
      changed.delete(filePath);
    }
  }
  return { changed: [...changed], removed: [...removed] };
}

/**
 * The live-event processors: one per GitHub event, all at `/github`, sharing the signature
 * check (`X-Hub-Signature-256` with `webhookSecret`, constant time; without a secret GitHub's
 * deliveries are accepted unsigned, as in Ocean) and `X-GitHub-Delivery` as the delivery id.
 */
export function createGithubLiveProcessors(context: KindContext): LiveEventProcessor[] {
  const secret = context.settings.webhookSecret;
  const authenticate = async (event: LiveEvent): Promise<boolean> => {
    if (secret === undefined) return true;
    const header = event.headers['x-hub-signature-256'];
    const signature = Array.isArray(header) ? header[0] : header;
    if (typeof signature !== 'string' || !signature.startsWith('sha256=')) return false;
    try {
      return await verify(secret, event.rawBody.toString('utf8'), signature);
    } catch {
      return false;
    }
  };
  return SPECS.map((spec) =>
    defineLiveEventProcessor({
      name: `github-${spec.event}`,
      path: GITHUB_WEBHOOK_PATH,
      deliveryIdHeader: 'x-github-delivery',
      handles: (event) => eventName(event) === spec.event,
      authenticate,
      validate: (event) => spec.valid(payloadOf(event)),
      kinds: (event) => spec.kinds(event),
      resourceKey: (event) => `${spec.event === 'membership' ? 'team' : spec.event}:${spec.key(payloadOf(event))}`,
      handle: (event, request) => spec.handle(context, event, request, { signal: request.signal, lane: 'live' }),
      retry: { attempts: 4, initialDelayMs: 1000 },
      timeoutMs: 60_000,
    }),
  );
}
