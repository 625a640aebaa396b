import type { ResyncHandler, ResyncRequest } from '../../../src/sdk/index.js';
import type { CallOptions } from '../client/github-client.js';
import { callOf, everyRepository, inRepository, mappingSettingsOf, organizations, repositories, type Json, type KindContext } from './context.js';
import { includedFiles } from './included-files.js';
import { mergePages } from './merge-pages.js';
import { repoSearchOf, selectorReader } from './selectors.js';

/**
 * The kinds that hang off repositories. Each walks the organizations' repositories (listing,
 * or `repoSearch`) and reads `concurrency` repositories at once; records carry Ocean's
 * `__repository` (the repository's name) and `__organization` keys.
 */

type PerRepo = (context: KindContext, org: string, repo: Json, request: ResyncRequest, call: CallOptions) => AsyncIterable<Json[]>;

export function perRepository(context: KindContext, each: PerRepo): ResyncHandler {
  return (request) => {
    const call = callOf(request);
    const sources = (async function* () {
      for await (const { org, repo } of everyRepository(context, request, call)) yield () => each(context, org, repo, request, call);
    })();
    return mergePages(sources, context.concurrency);
  };
}

/** `repository`: the repositories themselves, with `include` (collaborators, teams, sbom) and `includedFiles`. */
export function repositoryKind(context: KindContext): ResyncHandler {
  return async function* (request) {
    const call = callOf(request);
    const select = selectorReader(request.kind, request.selector);
    const include = select.listOf('include', ['collaborators', 'teams', 'sbom'] as const, []);
    const files = select.strings('includedFiles') ?? [];
    const mapping = mappingSettingsOf(request);
    const search = repoSearchOf(request.kind, request.selector);
    for await (const orgs of organizations(context, mapping, call)) {
      for (const org of orgs) {
        for await (const page of repositories(context, org, { repositoryType: mapping.repositoryType, search }, call)) {
          yield await Promise.all(page.map((repo) => enrichRepository(context, repo, include, files, call)));
        }
      }
    }
  };
}

export async function enrichRepository(context: KindContext, repo: Json, include: readonly string[], files: readonly string[], call: CallOptions): Promise<Json> {
  const { client } = context;
  const owner = String(repo['owner']?.['login']);
  const name = String(repo['name']);
  const out: Json = { ...repo };
  delete out['score'];
  if (include.includes('collaborators')) out['__collaborators'] = await collect(client.pages('GET /repos/{owner}/{repo}/collaborators', { owner, repo: name }, call));
  if (include.includes('teams')) out['__teams'] = await collect(client.pages('GET /repos/{owner}/{repo}/teams', { owner, repo: name }, call));
  if (include.includes('sbom')) {
    const sbom = await client.requestOptional<Json>('GET /repos/{owner}/{repo}/dependency-graph/sbom', { owner, repo: name }, { ...call, missing: [403] });
    out['__sbom'] = sbom?.['sbom'] ?? null;
  }
  if (files.length > 0) out['__includedFiles'] = await includedFiles(context, { owner, repo: name, branch: String(repo['default_branch']), basePath: '' }, files, call);
  return out;
}

async function collect(pages: AsyncIterable<Json[]>): Promise<Json[]> {
  const all: Json[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

const DAY_MS = 86_400_000;

/**
 * `pull-request`: open ones (`states: [open]`, the default) and, with `closed` in `states`, the
 * most recently updated closed ones, at most `maxResults` (default 100) per repository and
 * updated within `since` days (default 60). Closed pages come newest first, so paging stops at
 * the first too old.
 */
export function pullRequestKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const select = selectorReader(request.kind, request.selector);
    const states = select.listOf('states', ['open', 'closed'] as const, ['open']);
    const maxResults = select.int('maxResults', 100, 1);
    const since = select.int('since', 60, 1);
    select.oneOf('api', ['rest', 'graphql'] as const, 'rest');
    const params = { owner: org, repo: repo['name'] };
    if (states.includes('open')) {
      for await (const page of ctx.client.pages('GET /repos/{owner}/{repo}/pulls', { ...params, state: 'open' }, call)) yield page.map((pr) => inRepository(pr, repo['name'], org));
    }
    if (states.includes('closed')) {
      const oldest = Date.now() - since * DAY_MS;
      let count = 0;
      for await (const page of ctx.client.pages('GET /repos/{owner}/{repo}/pulls', { ...params, state: 'closed', sort: 'updated', direction: 'desc' }, call)) {
        const recent = page.filter((pr) => Date.parse(pr['updated_at']) >= oldest).slice(0, maxResults - count);
        count += recent.length;
        if (recent.length > 0) yield recent.map((pr) => inRepository(pr, repo['name'], org));
        if (count >= maxResults || recent.length < page.length) break;
      }
    }
  });
}

/** `issue`: `state` open (default), closed or all; `labels`: issues carrying all of them. As in Ocean, pull requests (which GitHub lists as issues) are included. */
export function issueKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const select = selectorReader(request.kind, request.selector);
    const state = select.oneOf('state', ['open', 'closed', 'all'] as const, 'open');
    const labels = select.strings('labels');
    const params: Json = { owner: org, repo: repo['name'], state, ...(labels && labels.length > 0 ? { labels: labels.join(',') } : {}) };
    for await (const page of ctx.client.pages('GET /repos/{owner}/{repo}/issues', params, call)) yield page.map((issue) => inRepository(issue, repo['name'], org));
  });
}

export function workflowKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, _request, call) {
    for await (const page of ctx.client.pages('GET /repos/{owner}/{repo}/actions/workflows', { owner: org, repo: repo['name'] }, call)) yield page.map((workflow) => inRepository(workflow, repo['name'], org));
  });
}

/** `workflow-run`: the latest 100 runs of each workflow, as Ocean. */
export function workflowRunKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, _request, call) {
    for await (const workflows of ctx.client.pages('GET /repos/{owner}/{repo}/actions/workflows', { owner: org, repo: repo['name'] }, call)) {
      for (const workflow of workflows) {
        const response = await ctx.client.request<{ workflow_runs: Json[] }>('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: org, repo: repo['name'], workflow_id: workflow['id'], per_page: 100 }, call);
        const runs = response.data.workflow_runs ?? [];
        if (runs.length > 0) yield runs.map((run) => inRepository(run, repo['name'], org));
      }
    }
  });
}

export function releaseKind(context: KindContext): ResyncHandler {
  return simpleList(context, 'GET /repos/{owner}/{repo}/releases');
}

/** `tag`: `GET /repos/{owner}/{repo}/tags` (name and commit; Ocean reads git refs, then each commit). */
export function tagKind(context: KindContext): ResyncHandler {
  return simpleList(context, 'GET /repos/{owner}/{repo}/tags');
}

export function collaboratorKind(context: KindContext): ResyncHandler {
  return simpleList(context, 'GET /repos/{owner}/{repo}/collaborators');
}

export function environmentKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, _request, call) {
    // Repositories without environments (or without access) answer 404.
    try {
      for await (const page of ctx.client.pages('GET /repos/{owner}/{repo}/environments', { owner: org, repo: repo['name'] }, call)) yield page.map((environment) => inRepository(environment, repo['name'], org));
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  });
}

function simpleList(context: KindContext, route: string): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, _request, call) {
    for await (const page of ctx.client.pages(route, { owner: org, repo: repo['name'] }, call)) yield page.map((record) => inRepository(record, repo['name'], org));
  });
}

/** `deployment`: optionally narrowed by `task` and `environment`. */
export function deploymentKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const select = selectorReader(request.kind, request.selector);
    yield* deployments(ctx, org, repo, { task: select.str('task'), environment: select.str('environment') }, call);
  });
}

async function* deployments(context: KindContext, org: string, repo: Json, filter: { task?: string | undefined; environment?: string | undefined }, call: CallOptions): AsyncGenerator<Json[]> {
  const params: Json = { owner: org, repo: repo['name'], ...(filter.task ? { task: filter.task } : {}), ...(filter.environment ? { environment: filter.environment } : {}) };
  for await (const page of context.client.pages('GET /repos/{owner}/{repo}/deployments', params, call)) yield page.map((deployment) => inRepository(deployment, repo['name'], org));
}

/** `deployment-status`: the statuses of every deployment (narrowed like `deployment`), each with `__deployment`. */
export function deploymentStatusKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const select = selectorReader(request.kind, request.selector);
    for await (const page of deployments(ctx, org, repo, { task: select.str('task'), environment: select.str('environment') }, call)) {
      for (const deployment of page) {
        for await (const statuses of ctx.client.pages('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { owner: org, repo: repo['name'], deployment_id: deployment['id'] }, call)) {
          yield statuses.map((status) => ({ ...inRepository(status, repo['name'], org), __deployment: stripEnrichment(deployment) }));
        }
      }
    }
  });
}

function stripEnrichment(record: Json): Json {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('__')));
}

const DEPENDABOT_ECOSYSTEMS = ['composer', 'go', 'maven', 'npm', 'nuget', 'pip', 'pub', 'rubygems', 'rust'] as const;

/** `dependabot-alert`: `states` (default open), `severity`, `ecosystems`. Repositories without Dependabot (403/404) give none. */
export function dependabotAlertKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const select = selectorReader(request.kind, request.selector);
    const states = select.listOf('states', ['auto_dismissed', 'dismissed', 'fixed', 'open'] as const, ['open']);
    const severity = select.listOf('severity', ['low', 'medium', 'high', 'critical'] as const, []);
    const ecosystems = select.listOf('ecosystems', DEPENDABOT_ECOSYSTEMS, []);
    const params: Json = { owner: org, repo: repo['name'], state: states.join(','), ...(severity.length ? { severity: severity.join(',') } : {}), ...(ecosystems.length ? { ecosystem: ecosystems.join(',') } : {}) };
    yield* tolerateDisabled(ctx.client.pages('GET /repos/{owner}/{repo}/dependabot/alerts', params, call), (alert) => inRepository(alert, repo['name'], org));
  });
}

/** `code-scanning-alerts`: `state` (default open) and `severity`. Repositories without code scanning give none. */
export function codeScanningAlertKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const select = selectorReader(request.kind, request.selector);
    const state = select.oneOf('state', ['open', 'closed', 'dismissed', 'fixed'] as const, 'open');
    const severity = select.raw('severity') === undefined ? undefined : select.oneOf('severity', ['critical', 'high', 'medium', 'low', 'warning', 'note', 'error'] as const, 'high');
    const params: Json = { owner: org, repo: repo['name'], state, ...(severity ? { severity } : {}) };
    yield* tolerateDisabled(ctx.client.pages('GET /repos/{owner}/{repo}/code-scanning/alerts', params, call), (alert) => inRepository(alert, repo['name'], org));
  });
}

/** Security features switched off answer 403 or 404: that repository simply has no alerts. */
async function* tolerateDisabled(pages: AsyncIterable<Json[]>, enrich: (record: Json) => Json): AsyncGenerator<Json[]> {
  try {
    for await (const page of pages) yield page.map(enrich);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 403 && status !== 404) throw error;
  }
}

/**
 * `branch`: every branch (`GET /branches`), or only the default one (`defaultBranchOnly`), or
 * only `branchNames`; `detailed` reads each branch (latest commit details), `protectionRules`
 * adds `__protection_rules`. Records carry `__repository`, `__repository_object`,
 * `__organization` and `__is_default_branch`.
 */
export function branchKind(context: KindContext): ResyncHandler {
  return perRepository(context, async function* (ctx, org, repo, request, call) {
    const options = branchOptions(request.kind, request.selector);
    const defaultBranch = String(repo['default_branch']);
    const wanted = options.defaultOnly ? [defaultBranch] : options.names;
    if (wanted.length > 0) {
      const found = await Promise.all(wanted.map((branch) => ctx.client.requestOptional<Json>('GET /repos/{owner}/{repo}/branches/{branch}', { owner: org, repo: repo['name'], branch }, call)));
      const branches = found.filter((branch): branch is Json => branch !== undefined);
      if (branches.length > 0) yield await Promise.all(branches.map((branch) => branchRecord(ctx, org, repo, branch, options, call)));
      return;
    }
    for await (const page of ctx.client.pages('GET /repos/{owner}/{repo}/branches', { owner: org, repo: repo['name'] }, call)) yield await Promise.all(page.map((branch) => branchRecord(ctx, org, repo, branch, options, call)));
  });
}

export interface BranchOptions {
  detailed: boolean;
  protectionRules: boolean;
  defaultOnly: boolean;
  names: string[];
}

export function branchOptions(kind: string, selector: ResyncRequest['selector']): BranchOptions {
  const select = selectorReader(kind, selector);
  return { detailed: select.bool('detailed', false), protectionRules: select.bool('protectionRules', false), defaultOnly: select.bool('defaultBranchOnly', false), names: select.strings('branchNames') ?? [] };
}

/** Whether the selector syncs this branch at all (`defaultBranchOnly`, `branchNames`). */
export function branchSelected(options: BranchOptions, name: string, defaultBranch: string): boolean {
  if (options.defaultOnly) return name === defaultBranch;
  return options.names.length === 0 || options.names.includes(name);
}

export async function branchRecord(context: KindContext, org: string, repo: Json, branch: Json, options: BranchOptions, call: CallOptions): Promise<Json> {
  let record = branch;
  if (options.detailed && branch['commit']?.['commit'] === undefined) record = (await context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/branches/{branch}', { owner: org, repo: repo['name'], branch: branch['name'] }, call)) ?? branch;
  const out: Json = { ...record, __is_default_branch: record['name'] === repo['default_branch'], __repository: repo['name'], __repository_object: repo, __organization: org };
  if (options.protectionRules) {
    out['__protection_rules'] = record['protected'] ? ((await context.client.requestOptional<Json>('GET /repos/{owner}/{repo}/branches/{branch}/protection', { owner: org, repo: repo['name'], branch: record['name'] }, { ...call, missing: [403] })) ?? null) : null;
  }
  return out;
}
