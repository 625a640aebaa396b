import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { executeGraphql } from './graphql.js';
import type { Json } from './templates.js';
import { Collection, GithubWorld, sha, type SimOrg, type SimRepo } from './world.js';

/** A GitHub App the simulator knows: its id, public key and installations (org -> installation id). */
export interface SimApp {
  appId: string;
  publicKeyPem: string;
  installations: Map<string, number>;
  /** Lifetime of installation tokens. @default 3600 s */
  tokenTtlSeconds?: number;
}

/** A scripted failure: the next `times` requests matching `path` get this answer instead. */
export interface InjectedFailure {
  method?: string;
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  times?: number;
}

export interface SimulatorStats {
  requests: number;
  /** 304 answers (free). */
  notModified: number;
  /** Points spent, by resource (`core`, `graphql`, `search`). */
  points: Record<string, number>;
  /** Requests by `METHOD route`. */
  byRoute: Record<string, number>;
  /** Installation tokens issued. */
  installationTokens: number;
}

export interface GithubSimulatorOptions {
  /** Personal access tokens accepted (any other is 401). */
  tokens?: string[];
  apps?: SimApp[];
  /** Points per hour by resource. @default core 5000, graphql 5000, search 30 */
  limits?: Partial<Record<string, number>>;
  /** Length of a rate-limit window. @default 3600 s */
  windowSeconds?: number;
  /** Serve under this prefix too, as GitHub Enterprise Server does (`/api/v3`, GraphQL at `/api/graphql`). */
  enterprise?: boolean;
  /** Concurrent requests beyond which a secondary limit answers (GitHub: about 100). @default 100 */
  maxConcurrent?: number;
  /** Keep every answer (method, path, status, body) in `responses`, for conformance tests. */
  recordResponses?: boolean;
}

export interface GithubSimulator {
  url: string;
  /** The REST base URL: `url`, or `url + /api/v3` for an enterprise simulator. */
  apiUrl: string;
  world: GithubWorld;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Scripted failures, consumed in order. */
  fail(failure: InjectedFailure): void;
  /** Sets a credential's remaining points of a resource (for rate-limit tests). */
  setRemaining(credential: string, resource: string, remaining: number, resetInSeconds?: number): void;
  /** Every request seen: method, path with query, credential kind, status. */
  log: { method: string; url: string; status: number; credential: string; ifNoneMatch: boolean }[];
  /** With `recordResponses`: every answer, its path without the enterprise prefix or query. */
  responses: { method: string; path: string; status: number; body: unknown }[];
  close(): Promise<void>;
}

interface Bucket {
  limit: number;
  remaining: number;
  resetAt: number;
  used: number;
}

type Credential = { kind: 'token' | 'installation' | 'app'; key: string; org?: string };

const DEFAULT_LIMITS: Record<string, number> = { core: 5000, graphql: 5000, search: 30 };

export async function startGithubSimulator(options: GithubSimulatorOptions = {}): Promise<GithubSimulator> {
  const app: FastifyInstance = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  const tokens = new Set(options.tokens ?? ['ghp_simulated_token']);
  const apps = new Map((options.apps ?? []).map((entry) => [entry.appId, { ...entry, key: createPublicKey(entry.publicKeyPem) }]));
  const installationTokens = new Map<string, { org: string; installationId: number; expiresAt: number; appId: string }>();
  const buckets = new Map<string, Bucket>();
  const limits = { ...DEFAULT_LIMITS, ...options.limits } as Record<string, number>;
  const windowMs = (options.windowSeconds ?? 3600) * 1000;
  const failures: InjectedFailure[] = [];
  const log: GithubSimulator['log'] = [];
  const responses: GithubSimulator['responses'] = [];
  let inFlight = 0;
  const maxConcurrent = options.maxConcurrent ?? 100;
  let stats: SimulatorStats = { requests: 0, notModified: 0, points: {}, byRoute: {}, installationTokens: 0 };
  const prefix = options.enterprise ? '/api/v3' : '';

  // Known once listening; routes only run after that.
  let url = '';
  let apiUrl = '';
  // eslint-disable-next-line prefer-const -- assigned once the server listens
  let world!: GithubWorld;

  const bucketOf = (credential: string, resource: string): Bucket => {
    const key = `${credential} ${resource}`;
    let bucket = buckets.get(key);
    const now = Date.now();
    if (bucket === undefined || bucket.resetAt <= now) {
      bucket = { limit: limits[resource] ?? 5000, remaining: limits[resource] ?? 5000, resetAt: now + windowMs, used: 0 };
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const rateHeaders = (bucket: Bucket, resource: string) => ({
    'x-ratelimit-limit': String(bucket.limit),
    'x-ratelimit-remaining': String(bucket.remaining),
    'x-ratelimit-reset': String(Math.ceil(bucket.resetAt / 1000)),
    'x-ratelimit-used': String(bucket.used),
    'x-ratelimit-resource': resource,
  });

  function authenticate(request: FastifyRequest): Credential | undefined {
    const header = String(request.headers['authorization'] ?? '');
    const [scheme, value = ''] = header.split(/\s+/, 2);
    if (!/^(token|bearer)$/i.test(scheme ?? '')) return undefined;
    if (tokens.has(value)) return { kind: 'token', key: `token:${value}` };
    const installation = installationTokens.get(value);
    if (installation !== undefined) return installation.expiresAt > Date.now() ? { kind: 'installation', key: `installation:${installation.installationId}`, org: installation.org } : undefined;
    const appId = verifyJwt(value);
    if (appId !== undefined) return { kind: 'app', key: `app:${appId}` };
    return undefined;
  }

  function verifyJwt(token: string): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
      const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: string | number; exp?: number; iat?: number };
      const registered = apps.get(String(payload.iss));
      if (header.alg !== 'RS256' || registered === undefined) return undefined;
      const valid = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), registered.key as KeyObject, Buffer.from(parts[2]!, 'base64url'));
      const now = Math.floor(Date.now() / 1000);
      // GitHub: at most 10 minutes of validity, not expired.
      if (!valid || typeof payload.exp !== 'number' || payload.exp < now || payload.exp - (payload.iat ?? now) > 660) return undefined;
      return registered.appId;
    } catch {
      return undefined;
    }
  }

  const routeKey = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? request.url}`;

  app.addHook('onRequest', async (request, reply) => {
    inFlight++;
    stats.requests++;
    const key = routeKey(request);
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    reply.header('x-github-request-id', randomBytes(6).toString('hex'));
    reply.header('x-github-api-version-selected', '2022-11-28');
  });
  if (options.recordResponses) {
    app.addHook('onSend', async (request, reply, payload) => {
      if (typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').includes('json')) {
        responses.push({ method: request.method, path: new URL(request.url, 'http://simulator').pathname.replace(/^\/api\/v3/, ''), status: reply.statusCode, body: JSON.parse(payload) });
      }
      return payload;
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    inFlight--;
    const credential = String(request.headers['authorization'] ?? '').split(/\s+/)[1] ?? '';
    log.push({ method: request.method, url: request.url, status: reply.statusCode, credential: credential.slice(0, 4), ifNoneMatch: request.headers['if-none-match'] !== undefined });
    if (log.length > 50_000) log.splice(0, 10_000);
  });

  /**
   * The common path of every API answer: authentication, scripted failures, the secondary
   * limit, the primary limit, then a conditional answer (304 is free) or the body with its
   * ETag, rate-limit headers and, for lists, the `Link` header.
   */
  async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    produce: () => { status?: number; body: unknown; version?: string; link?: string; headers?: Record<string, string> } | undefined,
    resource = 'core',
    allowedCredentials: Credential['kind'][] = ['token', 'installation'],
  ): Promise<unknown> {
    const credential = authenticate(request);
    if (credential === undefined || !allowedCredentials.includes(credential.kind)) {
      return reply.code(401).send({ message: credential === undefined ? 'Bad credentials' : 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    const failureIndex = failures.findIndex((failure) => failure.path.test(request.url) && (failure.method === undefined || failure.method === request.method));
    if (failureIndex >= 0) {
      const failure = failures[failureIndex]!;
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) failures.splice(failureIndex, 1);
      return reply.code(failure.status).headers(failure.headers ?? {}).send(failure.body ?? { message: 'Injected failure' });
    }
    if (credential.kind === 'app') {
      const produced = produce();
      if (produced === undefined) return reply.code(404).send({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      return reply.code(produced.status ?? 200).headers(produced.headers ?? {}).send(produced.body);
    }
    const bucket = bucketOf(credential.key, resource);
    if (inFlight > maxConcurrent) {
      return reply.code(403).headers({ 'retry-after': '1', ...rateHeaders(bucket, resource) }).send({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits', status: '403' });
    }
    if (bucket.remaining <= 0) {
      return reply.code(403).headers(rateHeaders(bucket, resource)).send({ message: `API rate limit exceeded for ${credential.kind}.`, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit', status: '403' });
    }
    const produced = produce();
    if (produced === undefined) {
      bucket.remaining--;
      bucket.used++;
      stats.points[resource] = (stats.points[resource] ?? 0) + 1;
      return reply.code(404).headers(rateHeaders(bucket, resource)).send({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    }
    const etag = produced.version === undefined ? undefined : `W/"${createHash('sha1').update(`${produced.version}\n${request.url}\n${request.headers['accept'] ?? ''}`).digest('hex')}"`;
    if (etag !== undefined && request.headers['if-none-match'] === etag) {
      stats.notModified++;
      return reply.code(304).headers({ etag, ...rateHeaders(bucket, resource), ...(produced.link ? { link: produced.link } : {}) }).send();
    }
    bucket.remaining--;
    bucket.used++;
    stats.points[resource] = (stats.points[resource] ?? 0) + 1;
    return reply
      .code(produced.status ?? 200)
      .headers({ ...(etag ? { etag } : {}), ...rateHeaders(bucket, resource), ...(produced.link ? { link: produced.link } : {}), ...produced.headers })
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(produced.body));
  }

  /** A page of `items` as GitHub paginates (`page`, `per_page` up to 100) with its `Link` header. */
  function paginate(request: FastifyRequest, total: number): { from: number; to: number; link?: string } {
    const query = request.query as Record<string, string>;
    const perPage = Math.min(Math.max(Number(query['per_page'] ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query['page'] ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(total / perPage), 1);
    const from = (page - 1) * perPage;
    const pageUrl = (n: number) => {
      const next = new URL(request.url, url);
      next.searchParams.set('page', String(n));
      next.searchParams.set('per_page', String(perPage));
      return `<${url}${next.pathname}${next.search}>`;
    };
    const links: string[] = [];
    if (page < last) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`);
    if (page > 1) links.push(`${pageUrl(1)}; rel="first"`, `${pageUrl(page - 1)}; rel="prev"`);
    return { from, to: from + perPage, ...(links.length > 0 ? { link: links.join(', ') } : {}) };
  }

  function listAnswer(request: FastifyRequest, items: Json[] | Collection, version: string, wrap?: (page: Json[], total: number) => unknown) {
    const total = items instanceof Collection ? items.size : items.length;
    const { from, to, link } = paginate(request, total);
    const page = items instanceof Collection ? items.slice(from, to) : items.slice(from, to);
    return { body: wrap ? wrap(page, total) : page, version, ...(link ? { link } : {}) };
  }

  const repoOf = (params: unknown): SimRepo | undefined => {
    const { owner, repo } = params as { owner: string; repo: string };
    return world.repo(owner, repo);
  };
  const orgOf = (params: unknown): SimOrg | undefined => world.org((params as { org: string }).org);
  const q = (request: FastifyRequest) => request.query as Record<string, string | undefined>;

  const routes = async (api: FastifyInstance) => {
    api.get('/user', (request, reply) => answer(request, reply, () => ({ body: world.viewer, version: 'viewer' })));
    api.get('/user/orgs', (request, reply) =>
      answer(request, reply, () => {
        const orgs = world.userOrgs.map((login) => world.org(login)).filter((org): org is SimOrg => org !== undefined).map((org) => organizationSimple(org));
        return listAnswer(request, orgs, `user-orgs:${world.userOrgs.join(',')}`);
      }),
    );
    api.get('/orgs/:org', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        return org === undefined || org.personal ? undefined : { body: org.data, version: `org:${org.version}` };
      }),
    );
    api.get('/users/:username', (request, reply) =>
      answer(request, reply, () => {
        const org = world.org((request.params as { username: string }).username);
        return org === undefined ? undefined : { body: org.data, version: `user:${org.version}` };
      }),
    );
    api.get('/orgs/:org/repos', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        if (org === undefined) return undefined;
        const type = q(request)['type'] ?? 'all';
        const repos = org.repoOrder.map((name) => org.repos.get(name)!.data).filter((repo) => repoMatchesType(repo, type));
        return listAnswer(request, repos, `repos:${org.reposVersion}`);
      }),
    );
    api.get('/user/repos', (request, reply) =>
      answer(request, reply, () => {
        const org = world.org(world.viewer['login']);
        const visibility = q(request)['visibility'] ?? 'all';
        const repos = org === undefined ? [] : org.repoOrder.map((name) => org.repos.get(name)!.data).filter((repo) => visibility === 'all' || repo['visibility'] === visibility);
        return listAnswer(request, repos, `user-repos:${org?.reposVersion ?? 0}`);
      }),
    );
    api.get('/search/repositories', (request, reply) =>
      answer(
        request,
        reply,
        () => {
          const repos = searchRepositories(world, q(request)['q'] ?? '');
          return listAnswer(request, repos.map((repo) => ({ ...repo, score: 1 })), `search:${[...world.orgs.values()].map((org) => org.reposVersion).join('.')}`, (page, total) => ({ total_count: total, incomplete_results: false, items: page }));
        },
        'search',
      ),
    );
    api.get('/repos/:owner/:repo', (request, reply) =>
      answer(request, reply, () => {
        const repo = repoOf(request.params);
        // A single repository is GitHub's full-repository: the listing's fields and a few counts.
        return repo === undefined ? undefined : { body: { ...repo.data, network_count: repo.data['network_count'] ?? repo.data['forks_count'] ?? 0, subscribers_count: repo.data['subscribers_count'] ?? repo.data['watchers_count'] ?? 0 }, version: `repo:${repo.version}` };
      }),
    );

    const repoList = (route: string, pick: (repo: SimRepo, request: FastifyRequest) => { items: Json[] | Collection; version: string; wrap?: (page: Json[], total: number) => unknown } | undefined) =>
      api.get(route, (request, reply) =>
        answer(request, reply, () => {
          const repo = repoOf(request.params);
          if (repo === undefined) return undefined;
          const picked = pick(repo, request);
          return picked === undefined ? undefined : listAnswer(request, picked.items, picked.version, picked.wrap);
        }),
      );
    const repoItem = (route: string, pick: (repo: SimRepo, params: Record<string, string>, request: FastifyRequest) => { body: Json; version: string } | undefined) =>
      api.get(route, (request, reply) =>
        answer(request, reply, () => {
          const repo = repoOf(request.params);
          return repo === undefined ? undefined : pick(repo, request.params as Record<string, string>, request);
        }),
      );

    repoList('/repos/:owner/:repo/pulls', (repo, request) => {
      const { state = 'open', sort = 'created', direction } = q(request);
      let items = repo.pulls.all().filter((pr) => state === 'all' || pr['state'] === state);
      const key = sort === 'updated' ? 'updated_at' : 'created_at';
      const descending = (direction ?? 'desc') === 'desc';
      items = [...items].sort((a, b) => (descending ? -1 : 1) * String(a[key]).localeCompare(String(b[key])));
      return { items, version: `pulls:${repo.pulls.version}` };
    });
    repoItem('/repos/:owner/:repo/pulls/:number', (repo, params) => {
      const pr = repo.pulls.find((item) => item['number'] === Number(params['number']));
      return pr === undefined ? undefined : { body: pr, version: `pulls:${repo.pulls.version}` };
    });
    repoList('/repos/:owner/:repo/issues', (repo, request) => {
      const { state = 'open', labels } = q(request);
      const wanted = labels ? labels.split(',').map((label) => label.trim().toLowerCase()) : [];
      const items = repo.issues.size > 0 && state === 'all' && wanted.length === 0 ? repo.issues : repo.issues.all().filter((issue) => (state === 'all' || issue['state'] === state) && wanted.every((label) => (issue['labels'] as Json[]).some((l) => String(l['name']).toLowerCase() === label)));
      return { items, version: `issues:${repo.issues.version}` };
    });
    repoItem('/repos/:owner/:repo/issues/:number', (repo, params) => {
      const issue = repo.issues.find((item) => item['number'] === Number(params['number']));
      return issue === undefined ? undefined : { body: issue, version: `issues:${repo.issues.version}` };
    });
    repoList('/repos/:owner/:repo/actions/workflows', (repo) => ({ items: repo.workflows, version: `workflows:${repo.workflows.version}`, wrap: (page, total) => ({ total_count: total, workflows: page }) }));
    repoItem('/repos/:owner/:repo/actions/workflows/:id', (repo, params) => {
      const workflow = repo.workflows.find((item) => String(item['id']) === params['id'] || String(item['path']).endsWith(`/${params['id']}`));
      return workflow === undefined ? undefined : { body: workflow, version: `workflows:${repo.workflows.version}` };
    });
    repoList('/repos/:owner/:repo/actions/workflows/:id/runs', (repo, request) => {
      const id = (request.params as { id: string }).id;
      const workflow = repo.workflows.find((item) => String(item['id']) === id || String(item['path']).endsWith(`/${id}`));
      if (workflow === undefined) return undefined;
      const runs = repo.runs.get(workflow['id']) ?? new Collection();
      return { items: runs, version: `runs:${workflow['id']}:${runs.version}`, wrap: (page, total) => ({ total_count: total, workflow_runs: page }) };
    });
    repoItem('/repos/:owner/:repo/actions/runs/:id', (repo, params) => {
      for (const runs of repo.runs.values()) {
        const run = runs.find((item) => String(item['id']) === params['id']);
        if (run) return { body: run, version: `run:${params['id']}:${runs.version}` };
      }
      return undefined;
    });
    repoList('/repos/:owner/:repo/releases', (repo) => ({ items: repo.releases, version: `releases:${repo.releases.version}` }));
    repoItem('/repos/:owner/:repo/releases/:id', (repo, params) => {
      const release = repo.releases.find((item) => String(item['id']) === params['id']);
      return release === undefined ? undefined : { body: release, version: `releases:${repo.releases.version}` };
    });
    repoList('/repos/:owner/:repo/tags', (repo) => ({ items: repo.tags, version: `tags:${repo.tags.version}` }));
    repoList('/repos/:owner/:repo/branches', (repo) => ({ items: repo.branches, version: `branches:${repo.branches.version}` }));
    api.get('/repos/:owner/:repo/branches/*', (request, reply) =>
      answer(request, reply, () => {
        const repo = repoOf(request.params);
        if (repo === undefined) return undefined;
        const rest = (request.params as Record<string, string>)['*'] ?? '';
        if (rest.endsWith('/protection')) {
          const name = rest.slice(0, -'/protection'.length);
          const protection = repo.protections.get(name);
          return protection === undefined ? undefined : { body: protection, version: `protection:${repo.branches.version}` };
        }
        const branch = repo.branches.find((item) => item['name'] === decodeURIComponent(rest));
        if (branch === undefined) return undefined;
        const commit = { sha: branch['commit']['sha'], node_id: `C_${branch['commit']['sha'].slice(0, 10)}`, url: branch['commit']['url'], html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${branch['commit']['sha']}`, comments_url: `${branch['commit']['url']}/comments`, commit: { url: branch['commit']['url'], author: { name: 'Mona', email: 'mona@example.com', date: '2025-06-01T00:00:00Z' }, committer: { name: 'Mona', email: 'mona@example.com', date: '2025-06-01T00:00:00Z' }, message: `Head of ${branch['name']}`, comment_count: 0, tree: { sha: sha(`${branch['name']}-tree`), url: `${apiUrl}/repos/${repo.owner}/${repo.name}/git/trees/${sha(`${branch['name']}-tree`)}` } }, author: null, committer: null, parents: [] };
        return { body: { name: branch['name'], commit, _links: { self: `${apiUrl}/repos/${repo.owner}/${repo.name}/branches/${branch['name']}`, html: `https://github.com/${repo.owner}/${repo.name}/tree/${branch['name']}` }, protected: branch['protected'], protection: branch['protection'], protection_url: branch['protection_url'] }, version: `branches:${repo.branches.version}` };
      }),
    );
    repoList('/repos/:owner/:repo/environments', (repo) => ({ items: repo.environments, version: `environments:${repo.environments.version}`, wrap: (page, total) => ({ total_count: total, environments: page }) }));
    repoItem('/repos/:owner/:repo/environments/:name', (repo, params) => {
      const environment = repo.environments.find((item) => item['name'] === params['name']);
      return environment === undefined ? undefined : { body: environment, version: `environments:${repo.environments.version}` };
    });
    repoList('/repos/:owner/:repo/deployments', (repo, request) => {
      const { task, environment } = q(request);
      const items = repo.deployments.all().filter((deployment) => (task === undefined || deployment['task'] === task) && (environment === undefined || deployment['environment'] === environment));
      return { items, version: `deployments:${repo.deployments.version}` };
    });
    repoItem('/repos/:owner/:repo/deployments/:id', (repo, params) => {
      const deployment = repo.deployments.find((item) => String(item['id']) === params['id']);
      return deployment === undefined ? undefined : { body: deployment, version: `deployments:${repo.deployments.version}` };
    });
    repoList('/repos/:owner/:repo/deployments/:id/statuses', (repo, request) => {
      const statuses = repo.deploymentStatuses.get(Number((request.params as { id: string }).id));
      return statuses === undefined ? undefined : { items: statuses, version: `statuses:${statuses.version}` };
    });
    repoItem('/repos/:owner/:repo/deployments/:id/statuses/:statusId', (repo, params) => {
      const statuses = repo.deploymentStatuses.get(Number(params['id']));
      const status = statuses?.find((item) => String(item['id']) === params['statusId']);
      return status === undefined ? undefined : { body: status, version: `statuses:${statuses!.version}` };
    });
        repoList('/repos/:owner/:repo/dependabot/alerts', (repo, request) => {
      const { state, severity, ecosystem } = q(request);
      const states = state?.split(',');
      const severities = severity?.split(',');
      const ecosystems = ecosystem?.split(',');
      const items = repo.dependabotAlerts
        .all()
        .filter(
          (alert) =>
            (states === undefined || states.includes(alert['state'])) &&
            (severities === undefined || severities.includes(alert['security_advisory']['severity'])) &&
            (ecosystems === undefined || ecosystems.includes(alert['dependency']['package']['ecosystem'])),
        );
      return { items, version: `dependabot:${repo.dependabotAlerts.version}` };
    });
    repoItem('/repos/:owner/:repo/dependabot/alerts/:number', (repo, params) => {
      const alert = repo.dependabotAlerts.find((item) => String(item['number']) === params['number']);
      return alert === undefined ? undefined : { body: alert, version: `dependabot:${repo.dependabotAlerts.version}` };
    });
    repoList('/repos/:owner/:repo/code-scanning/alerts', (repo, request) => {
      const { state, severity } = q(request);
      const items = repo.codeScanningAlerts.all().filter((alert) => (state === undefined || alert['state'] === state) && (severity === undefined || alert['rule']['severity'] === severity || alert['rule']['security_severity_level'] === severity));
      return { items, version: `code-scanning:${repo.codeScanningAlerts.version}` };
    });
    repoItem('/repos/:owner/:repo/code-scanning/alerts/:number', (repo, params) => {
      const alert = repo.codeScanningAlerts.find((item) => String(item['number']) === params['number']);
      return alert === undefined ? undefined : { body: alert, version: `code-scanning:${repo.codeScanningAlerts.version}` };
    });
    repoList('/repos/:owner/:repo/collaborators', (repo) => ({ items: repo.collaborators, version: `collaborators:${repo.collaborators.version}` }));
    repoList('/repos/:owner/:repo/teams', (repo) => ({ items: repo.teams, version: `repo-teams:${repo.teams.version}` }));
    api.get('/repos/:owner/:repo/contents/*', (request, reply) =>
      answer(request, reply, () => {
        const repo = repoOf(request.params);
        if (repo === undefined) return undefined;
        const filePath = decodeURIComponent((request.params as Record<string, string>)['*'] ?? '');
        const ref = q(request)['ref'] ?? repo.data['default_branch'];
        const content = repo.files.get(ref)?.get(filePath);
        if (content === undefined) return undefined;
        const blob = sha(`blob ${content}`);
        const name = filePath.split('/').pop()!;
        const self = `${apiUrl}/repos/${repo.owner}/${repo.name}/contents/${filePath}?ref=${ref}`;
        return {
          body: {
            type: 'file',
            encoding: 'base64',
            size: Buffer.byteLength(content),
            name,
            path: filePath,
            content: Buffer.from(content).toString('base64').replace(/(.{60})/g, '$1\n'),
            sha: blob,
            url: self,
            git_url: `${apiUrl}/repos/${repo.owner}/${repo.name}/git/blobs/${blob}`,
            html_url: `https://github.com/${repo.owner}/${repo.name}/blob/${ref}/${filePath}`,
            download_url: `https://raw.githubusercontent.com/${repo.owner}/${repo.name}/${ref}/${filePath}`,
            _links: { self, git: `${apiUrl}/repos/${repo.owner}/${repo.name}/git/blobs/${blob}`, html: `https://github.com/${repo.owner}/${repo.name}/blob/${ref}/${filePath}` },
          },
          version: `file:${blob}`,
        };
      }),
    );
    api.get('/repos/:owner/:repo/git/trees/*', (request, reply) =>
      answer(request, reply, () => {
        const repo = repoOf(request.params);
        if (repo === undefined) return undefined;
        const ref = decodeURIComponent((request.params as Record<string, string>)['*'] ?? '');
        const files = repo.files.get(ref);
        if (files === undefined) {
          if (repo.branches.find((branch) => branch['name'] === ref) === undefined) return undefined;
          return { status: 409, body: { message: 'Git Repository is empty.', documentation_url: 'https://docs.github.com/rest/git/trees#get-a-tree', status: '409' } };
        }
        const entries = new Map<string, Json>();
        for (const [filePath, content] of files) {
          const parts = filePath.split('/');
          for (let depth = 1; depth < parts.length; depth++) {
            const dir = parts.slice(0, depth).join('/');
            if (!entries.has(dir)) entries.set(dir, { path: dir, mode: '040000', type: 'tree', sha: sha(`tree ${ref} ${dir}`), url: `${apiUrl}/repos/${repo.owner}/${repo.name}/git/trees/${sha(`tree ${ref} ${dir}`)}` });
          }
          const blob = sha(`blob ${content}`);
          entries.set(filePath, { path: filePath, mode: '100644', type: 'blob', sha: blob, size: Buffer.byteLength(content), url: `${apiUrl}/repos/${repo.owner}/${repo.name}/git/blobs/${blob}` });
        }
        for (const [entryPath, entry] of repo.treeEntries.get(ref) ?? []) entries.set(entryPath, entry);
        const treeSha = sha(`root ${ref} ${repo.filesVersion}`);
        return { body: { sha: treeSha, url: `${apiUrl}/repos/${repo.owner}/${repo.name}/git/trees/${treeSha}`, tree: [...entries.values()].sort((a, b) => String(a['path']).localeCompare(String(b['path']))), truncated: false }, version: `tree:${ref}:${repo.filesVersion}` };
      }),
    );
    api.get('/orgs/:org/teams', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        return org === undefined ? undefined : listAnswer(request, org.teams.map((team) => team.rest), `teams:${org.teamsVersion}`);
      }),
    );
    api.get('/orgs/:org/teams/:slug', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        const team = org?.teams.find((candidate) => candidate.rest['slug'] === (request.params as { slug: string }).slug);
        return team === undefined ? undefined : { body: { ...team.rest, members_count: team.members.length, repos_count: 0, created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z', organization: org!.data }, version: `teams:${org!.teamsVersion}` };
      }),
    );
    api.get('/orgs/:org/hooks', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        return org === undefined ? undefined : listAnswer(request, org.hooks, `hooks:${org.hooksVersion}`);
      }),
    );
    api.post('/orgs/:org/hooks', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        if (org === undefined) return undefined;
        const body = request.body as { name?: string; config?: { url?: string; secret?: string; content_type?: string; insecure_ssl?: string }; events?: string[]; active?: boolean };
        if (body?.name !== 'web' || typeof body.config?.url !== 'string') return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message: 'config.url is required' }], documentation_url: 'https://docs.github.com/rest/orgs/webhooks#create-an-organization-webhook', status: '422' } };
        const hook = world.addHook(org, body.config as { url: string }, body.events ?? ['push']);
        (hook as Json)['__secret'] = body.config.secret;
        return { status: 201, body: withoutSecret(hook) };
      }),
    );
    api.patch('/orgs/:org/hooks/:id', (request, reply) =>
      answer(request, reply, () => {
        const org = orgOf(request.params);
        const hook = org?.hooks.find((candidate) => String(candidate['id']) === (request.params as { id: string }).id);
        if (org === undefined || hook === undefined) return undefined;
        const body = request.body as { config?: Json; events?: string[]; active?: boolean };
        if (body.config) {
          hook['config'] = { ...hook['config'], ...body.config, ...(body.config['secret'] ? { secret: '********' } : {}) };
          if (body.config['secret']) hook['__secret'] = body.config['secret'];
        }
        if (body.events) hook['events'] = body.events;
        if (body.active !== undefined) hook['active'] = body.active;
        hook['updated_at'] = new Date().toISOString();
        org.hooksVersion++;
        return { body: withoutSecret(hook) };
      }),
    );
    api.get('/repos/:owner/:repo/compare/:range', (request, reply) =>
      answer(request, reply, () => {
        const repo = repoOf(request.params);
        if (repo === undefined) return undefined;
        const changed = (repo.data['__lastPushFiles'] as Json[] | undefined) ?? [];
        return { body: { url: `${apiUrl}/repos/${repo.owner}/${repo.name}/compare/${(request.params as { range: string }).range}`, status: 'ahead', ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: changed }, version: `compare:${repo.filesVersion}` };
      }),
    );
    // GitHub App routes: authenticated with the App's JWT.
    api.get('/orgs/:org/installation', (request, reply) =>
      answer(
        request,
        reply,
        () => {
          const appId = verifyJwt(String(request.headers['authorization'] ?? '').split(/\s+/)[1] ?? '');
          const registered = appId === undefined ? undefined : apps.get(appId);
          const org = orgOf(request.params);
          const installationId = org === undefined ? undefined : registered?.installations.get(org.login);
          if (installationId === undefined || org === undefined) return undefined;
          return { body: { id: installationId, app_id: Number(appId), target_id: org.data['id'], target_type: 'Organization', account: organizationSimple(org), repository_selection: 'all', access_tokens_url: `${apiUrl}/app/installations/${installationId}/access_tokens`, repositories_url: `${apiUrl}/installation/repositories`, html_url: `https://github.com/organizations/${org.login}/settings/installations/${installationId}`, permissions: { metadata: 'read', contents: 'read' }, events: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z', single_file_name: null, app_slug: 'marina', suspended_at: null, suspended_by: null } };
        },
        'core',
        ['app'],
      ),
    );
    api.post('/app/installations/:id/access_tokens', (request, reply) =>
      answer(
        request,
        reply,
        () => {
          const appId = verifyJwt(String(request.headers['authorization'] ?? '').split(/\s+/)[1] ?? '');
          const registered = appId === undefined ? undefined : apps.get(appId);
          const installationId = Number((request.params as { id: string }).id);
          const org = [...(registered?.installations ?? [])].find(([, id]) => id === installationId)?.[0];
          if (registered === undefined || org === undefined) return undefined;
          const token = `ghs_${randomBytes(18).toString('hex')}`;
          const expiresAt = Date.now() + (registered.tokenTtlSeconds ?? 3600) * 1000;
          installationTokens.set(token, { org, installationId, expiresAt, appId: registered.appId });
          stats.installationTokens++;
          return { status: 201, body: { token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), permissions: { metadata: 'read', contents: 'read' }, repository_selection: 'all' } };
        },
        'core',
        ['app'],
      ),
    );
    api.post('/graphql', (request, reply) => graphqlRoute(request, reply));
  };

  async function graphqlRoute(request: FastifyRequest, reply: FastifyReply) {
    const result = await executeGraphql(world, request.body as { query?: unknown; variables?: unknown });
    return answer(request, reply, () => ({ status: result.status, body: result.body }), 'graphql');
  }

  await app.register(routes, { prefix });
  if (options.enterprise) app.post('/api/graphql', (request, reply) => graphqlRoute(request, reply));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  apiUrl = `${url}${prefix}`;
  world = new GithubWorld(apiUrl);

  return {
    url,
    apiUrl,
    world,
    stats: () => structuredClone(stats),
    resetStats() {
      stats = { requests: 0, notModified: 0, points: {}, byRoute: {}, installationTokens: 0 };
    },
    fail(failure) {
      failures.push({ times: 1, ...failure });
    },
    setRemaining(credential, resource, remaining, resetInSeconds = 3600) {
      const bucket = bucketOf(credential, resource);
      bucket.remaining = remaining;
      bucket.used = bucket.limit - remaining;
      bucket.resetAt = Date.now() + resetInSeconds * 1000;
    },
    log,
    responses,
    close: () => app.close(),
  };
}

function withoutSecret(hook: Json): Json {
  const { __secret: _secret, ...rest } = hook;
  return rest;
}

function organizationSimple(org: SimOrg): Json {
  const keys = ['login', 'id', 'node_id', 'url', 'repos_url', 'events_url', 'hooks_url', 'issues_url', 'members_url', 'public_members_url', 'avatar_url', 'description'];
  return Object.fromEntries(keys.map((key) => [key, org.data[key] ?? null]));
}

function repoMatchesType(repo: Json, type: string): boolean {
  switch (type) {
    case 'public':
      return repo['private'] !== true;
    case 'private':
      return repo['private'] === true;
    case 'forks':
      return repo['fork'] === true;
    case 'sources':
      return repo['fork'] !== true;
    default:
      return true;
  }
}

/** GitHub's repository search, for the qualifiers the plugin's users write most. */
function searchRepositories(world: GithubWorld, query: string): Json[] {
  const terms = query.split(/\s+/).filter(Boolean);
  const out: Json[] = [];
  for (const org of world.orgs.values()) {
    for (const name of org.repoOrder) {
      const repo = org.repos.get(name)!.data;
      const matches = terms.every((term) => {
        const [qualifier, value = ''] = term.includes(':') ? (term.split(/:(.*)/s) as [string, string]) : ['', term];
        switch (qualifier.toLowerCase()) {
          case 'org':
          case 'user':
            return String(repo['owner']['login']).toLowerCase() === value.toLowerCase();
          case 'is':
            return value === 'public' ? repo['private'] !== true : value === 'private' ? repo['private'] === true : value === 'all' ? true : value === 'archived' ? repo['archived'] === true : true;
          case 'archived':
            return String(repo['archived'] === true) === value;
          case 'fork':
            return value === 'true' ? true : value === 'only' ? repo['fork'] === true : repo['fork'] !== true;
          case 'topic':
            return (repo['topics'] as string[]).includes(value);
          case 'language':
            return String(repo['language'] ?? '').toLowerCase() === value.toLowerCase();
          case 'in':
            return true;
          case '':
            return String(repo['name']).toLowerCase().includes(value.toLowerCase());
          default:
            return true;
        }
      });
      if (matches) out.push(repo);
    }
  }
  return out;
}
