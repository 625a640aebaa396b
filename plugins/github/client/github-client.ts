import { createHash } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { RequestError } from '@octokit/request-error';
import type { Got } from 'got';
import type { PluginLogger } from '../../../src/sdk/index.js';
import type { GithubSettings } from '../github-config.js';
import { createConditionalCache, type ConditionalCache } from './conditional-cache.js';
import { createGotFetch } from './got-fetch.js';
import { rateLimitAnswer } from './rate-limit-answer.js';
import type { RateBudget, RateBudgetRegistry, RequestLane } from './rate-budget.js';

const GithubOctokit = Octokit.plugin(paginateRest, throttling, retry);
type GithubOctokit = InstanceType<typeof GithubOctokit>;

/** A REST answer: status, lower-cased headers, parsed body. */
export interface GithubResponse<T = unknown> {
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: T;
}

/** Options every call takes: the signal to stop on, and who is asking. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** @default 'resync' */
  lane?: RequestLane;
}

/**
 * GitHub for one integration: octokit (pagination, throttling, retries, GitHub App auth) over
 * the host's HTTP client, with the credential's shared rate budget and the integration's
 * conditional-request cache in front of every request.
 */
export interface GithubClient {
  readonly apiUrl: string;
  /** The credential's shared budget (its figures feed logs and the benchmark). */
  readonly budget: RateBudget;
  readonly cache: ConditionalCache;
  /** One REST call, such as `request('GET /repos/{owner}/{repo}', { owner, repo })`. */
  request<T = any>(route: string, params?: Record<string, unknown>, options?: CallOptions): Promise<GithubResponse<T>>;
  /** A REST call that answers undefined for 404 (and the given other statuses) instead of throwing. */
  requestOptional<T = any>(route: string, params?: Record<string, unknown>, options?: CallOptions & { missing?: number[] }): Promise<T | undefined>;
  /** The pages of a paginated REST list, 100 records a page, following `Link: rel="next"`. */
  pages<T = any>(route: string, params?: Record<string, unknown>, options?: CallOptions): AsyncIterable<T[]>;
  /** One GraphQL query. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  close(): Promise<void>;
}

export interface GithubClientOptions {
  settings: GithubSettings;
  /** The host's HTTP client (proxy settings) and the integration's signal. */
  http: Got;
  signal: AbortSignal;
  logger: PluginLogger;
  budgets: RateBudgetRegistry;
  /** The integration's data dir, for the conditional-request cache. */
  dataDir?: string | undefined;
  userAgent?: string;
  /** Base of octokit's retry backoff for 5xx answers (seconds squared times this). @default 1000 */
  retryBaseMs?: number;
  /** Rate-limit answers a single call waits out before failing. @default 6 */
  rateLimitRetries?: number;
}

const REPLAYED_HEADERS = ['link', 'etag', 'last-modified', 'content-type'];
const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used', 'x-ratelimit-resource'];

/** The credential a request is paid by: the token, or the App installation. */
function credentialKey(settings: GithubSettings, installationId: number | undefined): string {
  if (settings.auth.kind === 'token') return `${settings.apiUrl} token:${createHash('sha256').update(settings.auth.token).digest('hex').slice(0, 32)}`;
  return `${settings.apiUrl} app:${settings.auth.appId} installation:${installationId}`;
}

export async function createGithubClient(options: GithubClientOptions): Promise<GithubClient> {
  const { settings, logger } = options;
  const fetch = createGotFetch(options.http, options.signal);
  const log = {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.debug(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
  const common = {
    baseUrl: settings.apiUrl,
    userAgent: options.userAgent ?? 'marina-github',
    request: { fetch },
    log,
    retry: { doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451], retries: 3, ...(options.retryBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryBaseMs }) },
  };

  let auth: Record<string, unknown>;
  let installationId: number | undefined;
  if (settings.auth.kind === 'token') {
    auth = { auth: settings.auth.token };
  } else {
    installationId = settings.auth.installationId ?? (await findInstallation(settings, common, options.signal));
    auth = { authStrategy: createAppAuth, auth: { appId: settings.auth.appId, privateKey: settings.auth.privateKey, installationId } };
  }
  const identity = credentialKey(settings, installationId);
  const held = options.budgets.hold(identity, logger);
  const budget = held.budget;
  const cache = createConditionalCache({ dataDir: options.dataDir, logger });
  const threshold = settings.reservationThreshold;
  const maxRateRetries = options.rateLimitRetries ?? 6;

  const octokit: GithubOctokit = new GithubOctokit({
    ...common,
    ...auth,
    throttle: {
      // Bottleneck groups keyed by credential: every integration with this credential shares
      // GitHub's advice of 10 concurrent requests and one write (or GraphQL query) a second.
      id: createHash('sha256').update(identity).digest('hex').slice(0, 24),
      // The budget below waits (abortably) and retries; the plugin only classifies.
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
    },
  });

  octokit.hook.wrap('request', async (request, endpoint) => {
    const requestOptions = (endpoint.request ?? {}) as { signal?: AbortSignal; marinaLane?: RequestLane };
    const lane = requestOptions.marinaLane ?? 'resync';
    const signal = requestOptions.signal;
    const parsed = octokit.request.endpoint.parse(endpoint);
    const pathname = new URL(parsed.url).pathname;
    const resource = /\/graphql$/.test(pathname) ? 'graphql' : endpoint.method === 'GET' && /\/search\//.test(pathname) ? 'search' : 'core';
    const headers = endpoint.headers as Record<string, string>;
    let cacheKey: string | undefined;
    if (endpoint.method === 'GET') {
      cacheKey = cache.keyOf(identity, parsed.url, headers['accept']);
      const validator = cache.validator(cacheKey);
      if (validator !== undefined) headers['if-none-match'] = validator.etag;
    }
    for (let attempt = 0; ; attempt++) {
      await budget.acquire({ resource, lane, threshold, signal, logger });
      try {
        const response = await request(endpoint);
        budget.observe(response.headers as Record<string, string>, { resource, notModified: false });
        const etag = response.headers.etag;
        if (cacheKey !== undefined && response.status === 200 && typeof etag === 'string') {
          await cache.store(cacheKey, etag, { headers: pick(response.headers as Record<string, unknown>, REPLAYED_HEADERS), data: response.data });
        }
        return response;
      } catch (error) {
        const failed = error instanceof RequestError ? error.response : undefined;
        if (failed !== undefined) budget.observe(failed.headers as Record<string, string>, { resource, notModified: failed.status === 304 });
        if ((error as { status?: number }).status === 304 && cacheKey !== undefined) {
          const stored = await cache.read(cacheKey);
          if (stored !== undefined) {
            return { status: 200, url: failed?.url ?? parsed.url, headers: { ...stored.headers, ...pick((failed?.headers ?? {}) as Record<string, unknown>, RATE_HEADERS) }, data: stored.data };
          }
          delete headers['if-none-match'];
          continue;
        }
        const limited = rateLimitAnswer(error);
        if (limited === undefined || attempt >= maxRateRetries || signal?.aborted || options.signal.aborted) throw error;
        if (limited.type === 'primary') budget.exhausted(limited.resource, limited.resetAt, logger);
        else budget.pause(limited.retryAfterMs, logger);
      }
    }
  });

  const requestOptions = (callOptions: CallOptions | undefined) => ({
    ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
    marinaLane: callOptions?.lane ?? 'resync',
  });

  const client: GithubClient = {
    apiUrl: settings.apiUrl,
    budget,
    cache,
    async request(route, params = {}, callOptions) {
      return (await octokit.request(route, { ...params, request: requestOptions(callOptions) })) as GithubResponse<any>;
    },
    async requestOptional(route, params = {}, callOptions) {
      try {
        return (await client.request(route, params, callOptions)).data;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 404 || (status !== undefined && callOptions?.missing?.includes(status))) return undefined;
        throw error;
      }
    },
    async *pages(route, params = {}, callOptions) {
      const withOptions = octokit.request.defaults({ request: requestOptions(callOptions) });
      const endpoint = octokit.request.endpoint(route, { per_page: 100, ...params });
      for await (const page of octokit.paginate.iterator(withOptions as any, endpoint as any)) {
        const data = (page as { data: unknown }).data;
        yield (Array.isArray(data) ? data : []) as any[];
      }
    },
    async graphql(query, variables = {}, callOptions) {
      return octokit.graphql(query, { ...variables, request: requestOptions(callOptions) }) as Promise<any>;
    },
    async close() {
      held.release();
      await cache.close();
    },
  };
  return client;
}

/** A GitHub App's installation on the configured organization (`GET /orgs/{org}/installation`, as the App). */
async function findInstallation(settings: GithubSettings, common: Record<string, unknown>, signal: AbortSignal): Promise<number> {
  if (settings.auth.kind !== 'app') throw new TypeError('not a GitHub App');
  const { appId, privateKey, organization } = settings.auth;
  const app = new GithubOctokit({ ...common, authStrategy: createAppAuth, auth: { appId, privateKey }, throttle: { enabled: false } });
  try {
    const response = await app.request('GET /orgs/{org}/installation', { org: organization, request: { signal } });
    return (response.data as { id: number }).id;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404) throw new Error(`GitHub App ${appId} is not installed on organization "${organization}" (GET /orgs/${organization}/installation answered 404)`);
    if (status === 401) throw new Error(`GitHub refused the App's token for App ${appId}: check githubAppId and githubAppPrivateKey (${(error as Error).message})`);
    if (/key|PEM|asn1|decoder/i.test((error as Error).message ?? '')) throw new Error(`githubAppPrivateKey is not a valid PEM private key: ${(error as Error).message}`);
    throw error;
  }
}

function pick(source: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = source[name];
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  return out;
}
