import { createHash } from 'node:crypto';
import { rewrite, templateSet, type Json } from './templates.js';

/**
 * The simulated GitHub's state: organizations, their repositories and everything the plugin
 * reads per repository. Every change goes through a method, which bumps the version of what it
 * touched, so ETags (derived from versions) change exactly when an answer would.
 * Collections may be lazy (a count and a builder), so a benchmark organization of 200,000
 * records costs a few megabytes: records are built when a page is served.
 */

/** A list of records, explicit or built on demand from an index. */
export class Collection {
  version = 1;
  #items: Json[] | undefined;
  #lazy: { count: number; build: (index: number) => Json } | undefined;

  constructor(items: Json[] = []) {
    this.#items = items;
  }

  static lazy(count: number, build: (index: number) => Json): Collection {
    const collection = new Collection();
    collection.#items = undefined;
    collection.#lazy = { count, build };
    return collection;
  }

  get size(): number {
    return this.#items?.length ?? this.#lazy?.count ?? 0;
  }

  all(): Json[] {
    if (this.#items !== undefined) return this.#items;
    const lazy = this.#lazy!;
    return Array.from({ length: lazy.count }, (_, index) => lazy.build(index));
  }

  /** Items `from` to `to` (exclusive) without building the others. */
  slice(from: number, to: number): Json[] {
    if (this.#items !== undefined) return this.#items.slice(from, to);
    const lazy = this.#lazy!;
    const out: Json[] = [];
    for (let index = from; index < Math.min(to, lazy.count); index++) out.push(lazy.build(index));
    return out;
  }

  find(predicate: (item: Json) => boolean): Json | undefined {
    return this.all().find(predicate);
  }

  private materialise(): Json[] {
    if (this.#items === undefined) {
      this.#items = this.all();
      this.#lazy = undefined;
    }
    return this.#items;
  }

  /** Adds or replaces (by `key`) an item. */
  put(item: Json, key: (item: Json) => unknown): void {
    const items = this.materialise();
    const index = items.findIndex((existing) => key(existing) === key(item));
    if (index >= 0) items[index] = item;
    else items.push(item);
    this.version++;
  }

  remove(predicate: (item: Json) => boolean): boolean {
    const items = this.materialise();
    const index = items.findIndex(predicate);
    if (index < 0) return false;
    items.splice(index, 1);
    this.version++;
    return true;
  }
}

export interface SimRepo {
  owner: string;
  name: string;
  data: Json;
  version: number;
  pulls: Collection;
  issues: Collection;
  workflows: Collection;
  runs: Map<number, Collection>;
  releases: Collection;
  tags: Collection;
  branches: Collection;
  /** Protection rules by branch name. */
  protections: Map<string, Json>;
  environments: Collection;
  deployments: Collection;
  deploymentStatuses: Map<number, Collection>;
  dependabotAlerts: Collection;
  codeScanningAlerts: Collection;
  collaborators: Collection;
  teams: Collection;
  /** File contents by branch, then path. */
  files: Map<string, Map<string, string>>;
  /** Tree entries to serve as given (sha, url), by branch then path, over the computed ones. */
  treeEntries: Map<string, Map<string, Json>>;
  filesVersion: number;
}

export interface SimTeam {
  rest: Json;
  graphql: Json;
  members: string[];
}

export interface SimMember {
  login: string;
  id: string;
  databaseId: number;
  email: string;
  name: string;
  isSiteAdmin?: boolean;
}

export interface SimOrg {
  login: string;
  data: Json;
  version: number;
  repos: Map<string, SimRepo>;
  /** Repositories in listing order (lazy for benchmarks). */
  repoOrder: string[];
  reposVersion: number;
  members: SimMember[];
  teams: SimTeam[];
  teamsVersion: number;
  hooks: Json[];
  hooksVersion: number;
  /** SAML identities (login -> email); undefined when the org has no SAML provider. */
  saml?: Map<string, string>;
  /** A personal account instead of an organization. */
  personal?: boolean;
}

let nextId = 900_000_000;
export const newId = (): number => nextId++;
export const nodeId = (prefix: string, id: number): string => `${prefix}_${Buffer.from(String(id)).toString('base64url')}`;
export const sha = (text: string): string => createHash('sha1').update(text).digest('hex');
const isoAt = (offsetSeconds: number): string => new Date(Date.UTC(2025, 5, 1) + offsetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class GithubWorld {
  readonly orgs = new Map<string, SimOrg>();
  /** Logins of the authenticated user's organizations (`GET /user/orgs`). */
  userOrgs: string[] = [];
  /** The authenticated user (`GET /user`). */
  viewer: Json;

  constructor(readonly apiUrl: string) {
    const t = templateSet();
    this.viewer = { ...structuredClone(t.user), login: 'marina-bot', id: 4242, type: 'User' };
  }

  /** The `https://api.github.com` of the templates, rewritten to this simulator's URL. */
  private urls(value: Json, owner: string, repo: string | undefined, from: { owner: string; repo?: string }): Json {
    const pairs: [string, string][] = [];
    if (repo !== undefined && from.repo !== undefined) pairs.push([`${from.owner}/${from.repo}`, `${owner}/${repo}`]);
    pairs.push([`/${from.owner}`, `/${owner}`], ['https://api.github.com', this.apiUrl]);
    return rewrite(value, pairs);
  }

  addOrg(login: string, options: { description?: string; personal?: boolean; data?: Json } = {}): SimOrg {
    const t = templateSet();
    const id = newId();
    const data =
      options.data ??
      this.urls({ ...structuredClone(t.organization), login, id, node_id: nodeId('O', id), description: options.description ?? `The ${login} organization`, name: login, archived_at: null }, login, undefined, { owner: 'github' });
    if (options.personal) Object.assign(data, { type: 'User' });
    const org: SimOrg = { login, data, version: 1, repos: new Map(), repoOrder: [], reposVersion: 1, members: [], teams: [], teamsVersion: 1, hooks: [], hooksVersion: 1, ...(options.personal ? { personal: true } : {}) };
    this.orgs.set(login, org);
    return org;
  }

  org(login: string): SimOrg | undefined {
    for (const org of this.orgs.values()) if (org.login.toLowerCase() === login.toLowerCase()) return org;
    return undefined;
  }

  repo(owner: string, name: string): SimRepo | undefined {
    const org = this.org(owner);
    if (org === undefined) return undefined;
    for (const repo of org.repos.values()) if (repo.name.toLowerCase() === name.toLowerCase()) return repo;
    return undefined;
  }

  /** A repository built from the template, or exactly `data` when given (a webhook's or the corpus's). */
  addRepo(owner: string, name: string, options: { data?: Json; private?: boolean; defaultBranch?: string; archived?: boolean; fork?: boolean; topics?: string[]; language?: string | null; description?: string | null } = {}): SimRepo {
    const org = this.org(owner) ?? this.addOrg(owner);
    let data = options.data;
    if (data === undefined) {
      const t = templateSet();
      const id = newId();
      data = this.urls(structuredClone(t.repository), org.login, name, { owner: 'port-gh-app-dev', repo: 'small-repo' });
      Object.assign(data, {
        id,
        node_id: nodeId('R', id),
        name,
        full_name: `${org.login}/${name}`,
        private: options.private ?? false,
        visibility: options.private ? 'private' : 'public',
        default_branch: options.defaultBranch ?? 'main',
        archived: options.archived ?? false,
        fork: options.fork ?? false,
        topics: options.topics ?? [],
        language: options.language === undefined ? 'TypeScript' : options.language,
        description: options.description === undefined ? `Repository ${name}` : options.description,
      });
      data['owner'] = { ...data['owner'], login: org.login, id: org.data['id'], node_id: org.data['node_id'], type: org.personal ? 'User' : 'Organization' };
    }
    const repo: SimRepo = {
      owner: org.login,
      name: data['name'],
      data,
      version: 1,
      pulls: new Collection(),
      issues: new Collection(),
      workflows: new Collection(),
      runs: new Map(),
      releases: new Collection(),
      tags: new Collection(),
      branches: new Collection(),
      protections: new Map(),
      environments: new Collection(),
      deployments: new Collection(),
      deploymentStatuses: new Map(),
      dependabotAlerts: new Collection(),
      codeScanningAlerts: new Collection(),
      collaborators: new Collection(),
      teams: new Collection(),
      files: new Map(),
      treeEntries: new Map(),
      filesVersion: 1,
    };
    if (!org.repos.has(repo.name)) org.repoOrder.push(repo.name);
    org.repos.set(repo.name, repo);
    org.reposVersion++;
    this.addBranch(repo, data['default_branch'] ?? 'main');
    return repo;
  }

  updateRepo(repo: SimRepo, changes: Json): void {
    Object.assign(repo.data, changes);
    repo.version++;
    this.org(repo.owner)!.reposVersion++;
  }

  removeRepo(owner: string, name: string): void {
    const org = this.org(owner)!;
    org.repos.delete(name);
    org.repoOrder = org.repoOrder.filter((entry) => entry !== name);
    org.reposVersion++;
  }

  private repoRewrite(repo: SimRepo, value: Json, from: { owner: string; repo: string }): Json {
    return this.urls(value, repo.owner, repo.name, from);
  }

  /** Templates already rewritten for a repository: a benchmark builds 200,000 records from them. */
  readonly #perRepo = new WeakMap<SimRepo, Map<string, Json>>();

  private repoTemplate(repo: SimRepo, name: 'pullRequest' | 'issue' | 'workflowRun', from: { owner: string; repo: string }): Json {
    let cache = this.#perRepo.get(repo);
    if (cache === undefined) {
      cache = new Map();
      this.#perRepo.set(repo, cache);
    }
    let template = cache.get(name);
    if (template === undefined) {
      template = this.repoRewrite(repo, structuredClone(templateSet()[name]), from);
      cache.set(name, template);
    }
    return template;
  }

  buildPull(repo: SimRepo, number: number, options: { state?: 'open' | 'closed'; merged?: boolean; title?: string; updatedAt?: string; createdAt?: string; user?: string } = {}): Json {
    const id = 2_000_000_000 + Number(repo.data['id'] % 1_000_000) * 1000 + number;
    const pr = { ...this.repoTemplate(repo, 'pullRequest', { owner: 'port-gh-app-dev', repo: 'perf-[REDACTED]-repo-77f44be6' }) };
    const state = options.state ?? 'open';
    const created = options.createdAt ?? isoAt(number * 3600);
    const updated = options.updatedAt ?? created;
    Object.assign(pr, {
      id,
      node_id: nodeId('PR', id),
      number,
      state,
      title: options.title ?? `Change ${number} in ${repo.name}`,
      created_at: created,
      updated_at: updated,
      closed_at: state === 'closed' ? updated : null,
      merged_at: state === 'closed' && options.merged !== false ? updated : null,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/pulls/${number}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${number}`,
    });
    if (options.user) pr['user'] = { ...pr['user'], login: options.user };
    pr['head'] = { ...pr['head'], repo: repo.data };
    pr['base'] = { ...pr['base'], repo: repo.data, ref: repo.data['default_branch'] };
    return pr;
  }

  addPull(repo: SimRepo, pull: Json): void {
    repo.pulls.put(pull, (item) => item['number']);
  }

  buildIssue(repo: SimRepo, number: number, options: { state?: 'open' | 'closed'; labels?: string[]; title?: string } = {}): Json {
    const id = 3_000_000_000 + Number(repo.data['id'] % 1_000_000) * 1000 + number;
    const issue = { ...this.repoTemplate(repo, 'issue', { owner: 'port-gh-app-dev', repo: 'small-repo' }) };
    const state = options.state ?? 'open';
    Object.assign(issue, {
      id,
      node_id: nodeId('I', id),
      number,
      state,
      title: options.title ?? `Issue ${number} of ${repo.name}`,
      labels: (options.labels ?? []).map((name, index) => ({ id: index + 1, node_id: nodeId('LA', index + 1), url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/labels/${name}`, name, color: 'ededed', default: false, description: null })),
      closed_at: state === 'closed' ? isoAt(number * 60) : null,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/issues/${number}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${number}`,
    });
    delete issue['pull_request'];
    issue['draft'] = undefined;
    delete issue['draft'];
    return issue;
  }

  addIssue(repo: SimRepo, issue: Json): void {
    repo.issues.put(issue, (item) => item['number']);
  }

  buildWorkflow(repo: SimRepo, id: number, file: string): Json {
    const t = templateSet();
    const workflow = this.repoRewrite(repo, structuredClone(t.workflow), { owner: 'port-gh-app-dev', repo: 'small-repo' });
    return Object.assign(workflow, {
      id,
      node_id: nodeId('W', id),
      name: file.replace(/\.ya?ml$/, ''),
      path: `.github/workflows/${file}`,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/actions/workflows/${id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/blob/main/.github/workflows/${file}`,
      badge_url: `https://github.com/${repo.owner}/${repo.name}/workflows/${file}/badge.svg`,
    });
  }

  addWorkflow(repo: SimRepo, workflow: Json): void {
    repo.workflows.put(workflow, (item) => item['id']);
    if (!repo.runs.has(workflow['id'])) repo.runs.set(workflow['id'], new Collection());
  }

  buildRun(repo: SimRepo, workflow: Json, id: number, options: { status?: string; conclusion?: string | null; runNumber?: number } = {}): Json {
    const run = { ...this.repoTemplate(repo, 'workflowRun', { owner: 'port-gh-app-dev', repo: 'small-repo' }) };
    return Object.assign(run, {
      id,
      node_id: nodeId('WFR', id),
      name: workflow['name'],
      path: workflow['path'],
      workflow_id: workflow['id'],
      run_number: options.runNumber ?? id % 10_000,
      status: options.status ?? 'completed',
      conclusion: options.conclusion === undefined ? 'success' : options.conclusion,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/actions/runs/${id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/actions/runs/${id}`,
      workflow_url: workflow['url'],
      repository: repo.data,
      head_repository: repo.data,
    });
  }

  addRun(repo: SimRepo, run: Json): void {
    let runs = repo.runs.get(run['workflow_id']);
    if (runs === undefined) {
      runs = new Collection();
      repo.runs.set(run['workflow_id'], runs);
    }
    runs.put(run, (item) => item['id']);
  }

  addBranch(repo: SimRepo, name: string, options: { protected?: boolean; commitSha?: string } = {}): Json {
    const t = templateSet();
    const branch = this.repoRewrite(repo, structuredClone(t.branch), { owner: 'port-gh-app-dev', repo: 'small-repo' });
    const commit = options.commitSha ?? sha(`${repo.owner}/${repo.name}@${name}`);
    Object.assign(branch, {
      name,
      commit: { sha: commit, url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/commits/${commit}` },
      protected: options.protected ?? false,
      protection: { ...branch['protection'], enabled: options.protected ?? false },
      protection_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/branches/${name}/protection`,
    });
    repo.branches.put(branch, (item) => item['name']);
    if (options.protected) {
      repo.protections.set(name, {
        url: branch['protection_url'],
        required_status_checks: { url: `${branch['protection_url']}/required_status_checks`, strict: true, contexts: ['ci'], contexts_url: `${branch['protection_url']}/required_status_checks/contexts`, checks: [{ context: 'ci', app_id: null }] },
        enforce_admins: { url: `${branch['protection_url']}/enforce_admins`, enabled: true },
        required_pull_request_reviews: { url: `${branch['protection_url']}/required_pull_request_reviews`, dismiss_stale_reviews: true, require_code_owner_reviews: false, required_approving_review_count: 1, require_last_push_approval: false },
      });
    }
    return branch;
  }

  removeBranch(repo: SimRepo, name: string): void {
    repo.branches.remove((item) => item['name'] === name);
    repo.protections.delete(name);
  }

  buildRelease(repo: SimRepo, id: number, tag: string): Json {
    const release = this.repoRewrite(repo, structuredClone(templateSet().release), { owner: 'octocat', repo: 'Hello-World' });
    return Object.assign(release, {
      id,
      node_id: nodeId('RE', id),
      tag_name: tag,
      name: tag,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/releases/${id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/releases/${tag}`,
    });
  }

  addRelease(repo: SimRepo, release: Json): void {
    repo.releases.put(release, (item) => item['id']);
  }

  addTag(repo: SimRepo, name: string): Json {
    const tag = this.repoRewrite(repo, structuredClone(templateSet().tag), { owner: 'octocat', repo: 'Hello-World' });
    const commit = sha(`${repo.owner}/${repo.name}#${name}`);
    Object.assign(tag, {
      name,
      commit: { sha: commit, url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/commits/${commit}` },
      zipball_url: `https://github.com/${repo.owner}/${repo.name}/zipball/${name}`,
      tarball_url: `https://github.com/${repo.owner}/${repo.name}/tarball/${name}`,
      node_id: nodeId('REF', commit.length),
    });
    repo.tags.put(tag, (item) => item['name']);
    return tag;
  }

  removeTag(repo: SimRepo, name: string): void {
    repo.tags.remove((item) => item['name'] === name);
  }

  addEnvironment(repo: SimRepo, name: string, id = newId()): Json {
    const environment = this.repoRewrite(repo, structuredClone(templateSet().environment), { owner: 'port-gh-app-dev', repo: 'small-repo' });
    Object.assign(environment, {
      id,
      node_id: nodeId('EN', id),
      name,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/environments/${name}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/deployments/activity_log?environments_filter=${name}`,
    });
    repo.environments.put(environment, (item) => item['name']);
    return environment;
  }

  addDeployment(repo: SimRepo, options: { id?: number; environment: string; task?: string; ref?: string; sha?: string; createdAt?: string }): Json {
    const id = options.id ?? newId();
    const deployment = this.repoRewrite(repo, structuredClone(templateSet().deployment), { owner: 'octocat', repo: 'example' });
    Object.assign(deployment, {
      id,
      node_id: nodeId('DE', id),
      environment: options.environment,
      original_environment: options.environment,
      task: options.task ?? 'deploy',
      ref: options.ref ?? 'main',
      sha: options.sha ?? sha(`${repo.name}#deploy#${id}`),
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/deployments/${id}`,
      statuses_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/deployments/${id}/statuses`,
      repository_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}`,
      ...(options.createdAt ? { created_at: options.createdAt, updated_at: options.createdAt } : {}),
    });
    repo.deployments.put(deployment, (item) => item['id']);
    if (!repo.deploymentStatuses.has(id)) repo.deploymentStatuses.set(id, new Collection());
    return deployment;
  }

  addDeploymentStatus(repo: SimRepo, deploymentId: number, state: string, id = newId()): Json {
    const status = this.repoRewrite(repo, structuredClone(templateSet().deploymentStatus), { owner: 'octocat', repo: 'example' });
    const deployment = repo.deployments.find((item) => item['id'] === deploymentId);
    Object.assign(status, {
      id,
      node_id: nodeId('DES', id),
      state,
      environment: deployment?.['environment'] ?? 'production',
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/deployments/${deploymentId}/statuses/${id}`,
      deployment_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/deployments/${deploymentId}`,
      repository_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}`,
    });
    let statuses = repo.deploymentStatuses.get(deploymentId);
    if (statuses === undefined) {
      statuses = new Collection();
      repo.deploymentStatuses.set(deploymentId, statuses);
    }
    statuses.put(status, (item) => item['id']);
    return status;
  }

  addDependabotAlert(repo: SimRepo, number: number, options: { state?: string; severity?: string; ecosystem?: string } = {}): Json {
    const alert = this.repoRewrite(repo, structuredClone(templateSet().dependabotAlert), { owner: 'port-gh-app-dev', repo: 'vscode' });
    Object.assign(alert, {
      number,
      state: options.state ?? 'open',
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/dependabot/alerts/${number}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/security/dependabot/${number}`,
    });
    if (options.severity) {
      alert['security_advisory'] = { ...alert['security_advisory'], severity: options.severity };
      alert['security_vulnerability'] = { ...alert['security_vulnerability'], severity: options.severity };
    }
    if (options.ecosystem) alert['dependency'] = { ...alert['dependency'], package: { ...alert['dependency']['package'], ecosystem: options.ecosystem } };
    repo.dependabotAlerts.put(alert, (item) => item['number']);
    return alert;
  }

  addCodeScanningAlert(repo: SimRepo, number: number, options: { state?: string; severity?: string } = {}): Json {
    const alert = this.repoRewrite(repo, structuredClone(templateSet().codeScanningAlert), { owner: 'port-gh-app-dev', repo: 'small-repo' });
    Object.assign(alert, {
      number,
      state: options.state ?? 'open',
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/code-scanning/alerts/${number}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/security/code-scanning/${number}`,
      instances_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/code-scanning/alerts/${number}/instances`,
    });
    if (options.severity) alert['rule'] = { ...alert['rule'], severity: options.severity, security_severity_level: options.severity };
    repo.codeScanningAlerts.put(alert, (item) => item['number']);
    return alert;
  }

  addCollaborator(repo: SimRepo, login: string, role = 'write'): Json {
    const collaborator = structuredClone(templateSet().collaborator);
    const id = Number(sha(login).slice(0, 7).replace(/[a-f]/g, '1'));
    Object.assign(collaborator, rewrite(collaborator, [[`/${collaborator['login']}`, `/${login}`]]), { login, id, node_id: nodeId('U', id), role_name: role });
    repo.collaborators.put(collaborator, (item) => item['login']);
    return collaborator;
  }

  addTeam(org: SimOrg, slug: string, options: { members?: string[]; description?: string; repos?: string[] } = {}): SimTeam {
    const databaseId = newId();
    const rest = this.urls(structuredClone(templateSet().team), org.login, undefined, { owner: 'Journey' });
    Object.assign(rest, {
      id: databaseId,
      node_id: nodeId('T', databaseId),
      slug,
      name: slug.replace(/-/g, ' '),
      description: options.description ?? `Team ${slug}`,
      url: `${this.apiUrl}/organizations/${org.data['id']}/team/${databaseId}`,
      html_url: `https://github.com/orgs/${org.login}/teams/${slug}`,
      members_url: `${this.apiUrl}/organizations/${org.data['id']}/team/${databaseId}/members{/member}`,
      repositories_url: `${this.apiUrl}/organizations/${org.data['id']}/team/${databaseId}/repos`,
      organization_id: org.data['id'],
    });
    const team: SimTeam = {
      rest,
      graphql: { slug, id: rest['node_id'], databaseId, name: rest['name'], description: rest['description'], privacy: 'VISIBLE', notificationSetting: 'NOTIFICATIONS_ENABLED', url: rest['html_url'] },
      members: options.members ?? [],
    };
    org.teams = org.teams.filter((existing) => existing.rest['slug'] !== slug);
    org.teams.push(team);
    org.teamsVersion++;
    for (const repoName of options.repos ?? []) {
      const repo = this.repo(org.login, repoName);
      if (repo) repo.teams.put({ ...rest, permission: 'push' }, (item) => item['slug']);
    }
    return team;
  }

  addMember(org: SimOrg, login: string, options: { email?: string; name?: string; isSiteAdmin?: boolean } = {}): SimMember {
    const databaseId = Number(sha(login).slice(0, 7).replace(/[a-f]/g, '2'));
    const member: SimMember = { login, id: nodeId('U', databaseId), databaseId, email: options.email ?? '', name: options.name ?? login, isSiteAdmin: options.isSiteAdmin ?? false };
    org.members = org.members.filter((existing) => existing.login !== login);
    org.members.push(member);
    org.teamsVersion++;
    return member;
  }

  setFile(repo: SimRepo, branch: string, filePath: string, content: string | undefined): void {
    let files = repo.files.get(branch);
    if (files === undefined) {
      files = new Map();
      repo.files.set(branch, files);
    }
    if (content === undefined) files.delete(filePath);
    else files.set(filePath, content);
    repo.filesVersion++;
  }

  /** Serves `entry` (a captured tree entry: path, mode, type, sha, url) in the branch's tree as is. */
  setTreeEntry(repo: SimRepo, branch: string, entry: Json): void {
    let entries = repo.treeEntries.get(branch);
    if (entries === undefined) {
      entries = new Map();
      repo.treeEntries.set(branch, entries);
    }
    entries.set(String(entry['path']), entry);
    if (!repo.files.has(branch)) repo.files.set(branch, new Map());
    repo.filesVersion++;
  }

  addHook(org: SimOrg, config: { url: string; secret?: string; content_type?: string; insecure_ssl?: string }, events: string[]): Json {
    const id = newId();
    const hook = this.urls(structuredClone(templateSet().hook), org.login, undefined, { owner: 'octocat' });
    Object.assign(hook, {
      id,
      url: `${this.apiUrl}/orgs/${org.login}/hooks/${id}`,
      ping_url: `${this.apiUrl}/orgs/${org.login}/hooks/${id}/pings`,
      deliveries_url: `${this.apiUrl}/orgs/${org.login}/hooks/${id}/deliveries`,
      events,
      active: true,
      config: { url: config.url, content_type: config.content_type ?? 'json', insecure_ssl: config.insecure_ssl ?? '0', ...(config.secret ? { secret: '********' } : {}) },
    });
    org.hooks.push(hook);
    org.hooksVersion++;
    return hook;
  }
}
