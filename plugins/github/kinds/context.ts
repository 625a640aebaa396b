import type { PluginLogger, ResyncRequest } from '../../../src/sdk/index.js';
import type { CallOptions, GithubClient } from '../client/github-client.js';
import type { GithubSettings } from '../github-config.js';
import { repoSearchOf, SelectorError } from './selectors.js';

export type Json = Record<string, any>;

/** What every kind's handler works with. */
export interface KindContext {
  client: GithubClient;
  settings: GithubSettings;
  logger: PluginLogger;
  /** Repositories (or other per-repository sources) walked at once. */
  concurrency: number;
}

/** The mapping's top-level GitHub settings (Ocean's `GithubPortAppConfig`). */
export interface MappingSettings {
  /** `repositoryType`: all, public, private, forks, sources, member. @default all */
  repositoryType: string;
  /** `organizations`: only these organizations (PAT without githubOrganization). */
  organizations: string[];
  /** `includeAuthenticatedUser`: also the token owner's personal account. */
  includeAuthenticatedUser: boolean;
}

export function mappingSettingsOf(request: Pick<ResyncRequest, 'mappingSettings'>): MappingSettings {
  const settings = request.mappingSettings ?? {};
  const repositoryType = settings['repositoryType'];
  const organizations = settings['organizations'];
  if (repositoryType !== undefined && typeof repositoryType !== 'string') throw new SelectorError(`repositoryType must be a string (all, public, private), got ${JSON.stringify(repositoryType)}`);
  if (organizations !== undefined && (!Array.isArray(organizations) || organizations.some((item) => typeof item !== 'string'))) throw new SelectorError('organizations must be a list of organization logins');
  return { repositoryType: (repositoryType as string | undefined) ?? 'all', organizations: (organizations as string[] | undefined) ?? [], includeAuthenticatedUser: settings['includeAuthenticatedUser'] === true };
}

/**
 * The organizations to sync, as Ocean finds them: the configured `githubOrganization` (the
 * App's organization for an App), else every organization of the token's user
 * (`GET /user/orgs`, narrowed by the mapping's `organizations`), plus the user's own account
 * when `includeAuthenticatedUser` is set.
 */
export async function* organizations(context: KindContext, mapping: MappingSettings, call: CallOptions): AsyncGenerator<Json[]> {
  const { client, settings } = context;
  const single = settings.organization ?? (settings.auth.kind === 'app' ? settings.auth.organization : undefined);
  if (single !== undefined) {
    if (mapping.organizations.length > 0 && !mapping.organizations.includes(single)) return;
    yield [await organization(client, single, call)];
    return;
  }
  if (mapping.includeAuthenticatedUser) yield [(await client.request('GET /user', {}, call)).data];
  for await (const page of client.pages('GET /user/orgs', {}, call)) {
    const chosen = page.filter((org: Json) => mapping.organizations.length === 0 || mapping.organizations.includes(org['login'])).map((org: Json) => ({ ...org, type: 'Organization' }));
    if (chosen.length > 0) yield chosen;
  }
}

/**
 * One organization. Ocean reads `GET /users/{org}`, whose answer lacks the fields Ocean's own
 * default mapping reads (hooks_url, issues_url, members_url, description); Marina reads
 * `GET /orgs/{org}` (a superset), and `GET /users/{login}` only for a personal account.
 */
export async function organization(client: GithubClient, login: string, call: CallOptions): Promise<Json> {
  const org = await client.requestOptional<Json>('GET /orgs/{org}', { org: login }, call);
  if (org !== undefined) return { ...org, type: org['type'] ?? 'Organization' };
  const user = await client.requestOptional<Json>('GET /users/{username}', { username: login }, call);
  if (user === undefined) throw new Error(`GitHub organization or user "${login}" not found (check githubOrganization)`);
  return user;
}

/**
 * The repositories of one organization: `GET /orgs/{org}/repos?type=<repositoryType>` (or the
 * user's own repositories for a personal account), or GitHub's repository search when the
 * selector has `repoSearch` (`org:<org>` is added to the query). Ocean always searches with a
 * GitHub App; Marina lists, which has no 1,000-result cap and answers 304 when nothing changed.
 */
export async function* repositories(context: KindContext, org: Json, options: { repositoryType: string; search?: string | undefined }, call: CallOptions): AsyncGenerator<Json[]> {
  const { client } = context;
  const login = String(org['login']);
  if (options.search !== undefined) {
    const query = /(^|\s)(org|user):/i.test(options.search) ? options.search : `org:${login} ${options.search}`.trim();
    for await (const page of client.pages('GET /search/repositories', { q: query }, call)) yield page;
    return;
  }
  if (org['type'] === 'User') {
    for await (const page of client.pages('GET /user/repos', { affiliation: 'owner', visibility: options.repositoryType === 'all' ? 'all' : options.repositoryType }, call)) {
      yield page.filter((repo: Json) => String(repo['owner']?.['login']).toLowerCase() === login.toLowerCase());
    }
    return;
  }
  for await (const page of client.pages('GET /orgs/{org}/repos', { org: login, type: options.repositoryType }, call)) yield page;
}

/** Every repository of every organization, with its organization's login. */
export async function* everyRepository(context: KindContext, request: ResyncRequest, call: CallOptions): AsyncGenerator<{ org: string; repo: Json }> {
  const mapping = mappingSettingsOf(request);
  const search = repoSearchOf(request.kind, request.selector);
  for await (const orgs of organizations(context, mapping, call)) {
    for (const org of orgs) {
      for await (const page of repositories(context, org, { repositoryType: mapping.repositoryType, search }, call)) {
        for (const repo of page) yield { org: String(org['login']), repo };
      }
    }
  }
}

/** Ocean's enrichment keys on records that belong to a repository. */
export function inRepository(record: Json, repoName: string, org: string): Json {
  return { ...record, __repository: repoName, __organization: org };
}

/** The call options of a resync request. */
export const callOf = (request: Pick<ResyncRequest, 'signal'>): CallOptions => ({ signal: request.signal, lane: 'resync' });
