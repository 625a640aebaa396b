import type { PluginLogger } from '../../src/sdk/index.js';
import type { AuthSettings, CustomAuthRequest, CustomSettings } from './custom-config.js';
import { CustomIntegrationError } from './custom-error.js';
import type { HttpTransport } from './custom-http.js';
import { describeUrl, excerpt, joinUrl, type ApiRequest } from './custom-request.js';
import { compileTemplate, renderTemplate, type CompiledTemplate } from './custom-templates.js';

/** Puts the integration's credentials on requests, and renews them when the API refuses them. */
export interface Authenticator {
  /** The request with credentials, and the credentials' generation (for {@link renew}). */
  apply(request: ApiRequest): Promise<{ request: ApiRequest; generation: number }>;
  /**
   * Called after a 401 to a request sent with `generation`. Renews the credentials unless that
   * already happened since; true when the request is worth sending again.
   */
  renew(generation: number): Promise<boolean>;
}

/** Renew this long before the credentials end (Ocean's 60 s), or at half their life when shorter. */
const RENEW_AHEAD_MS = 60_000;

export interface AuthenticatorOptions {
  settings: CustomSettings;
  transport: HttpTransport;
  logger: PluginLogger;
  /** The integration's lifetime: authentication requests are shared by concurrent callers, so no one caller's signal stops them. */
  signal: AbortSignal;
  now?: () => number;
}

export async function createAuthenticator(options: AuthenticatorOptions): Promise<Authenticator> {
  const { auth } = options.settings;
  if (auth.type !== 'custom') return staticAuthenticator(auth);
  return createCustomAuthenticator(auth.request, auth.template, options);
}

function staticAuthenticator(auth: Exclude<AuthSettings, { type: 'custom' }>): Authenticator {
  const headers: Record<string, string> = {};
  if (auth.type === 'bearer_token') headers['Authorization'] = `Bearer ${auth.token}`;
  if (auth.type === 'basic') headers['Authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  if (auth.type === 'api_key') headers[auth.header] = auth.key;
  return {
    // Credentials are defaults: a selector's own header of the same name wins, as in Ocean.
    apply: async (request) => ({ request: { ...request, headers: mergeHeaders(headers, request.headers) }, generation: 0 }),
    renew: async () => false,
  };
}

/** Header names are case-insensitive: a later `authorization` replaces an earlier `Authorization`. */
export function mergeHeaders(...sources: Record<string, string>[]): Record<string, string> {
  const out: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const source of sources) {
    for (const [name, value] of Object.entries(source)) {
      const previous = names.get(name.toLowerCase());
      if (previous !== undefined) delete out[previous];
      names.set(name.toLowerCase(), name);
      out[name] = value;
    }
  }
  return out;
}

interface Credentials {
  headers: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  obtainedAt: number;
  /** Milliseconds the authentication is valid, when known. */
  lifetimeMs: number | undefined;
  generation: number;
}

async function createCustomAuthenticator(
  request: CustomAuthRequest,
  template: { headers: Record<string, string>; queryParams: Record<string, unknown>; body: Record<string, unknown> },
  options: AuthenticatorOptions,
): Promise<Authenticator> {
  const now = options.now ?? Date.now;
  const compiled: { headers: CompiledTemplate; queryParams: CompiledTemplate; body: CompiledTemplate } = {
    headers: await compileTemplate(template.headers, 'customAuthRequestTemplate.headers'),
    queryParams: await compileTemplate(template.queryParams, 'customAuthRequestTemplate.queryParams'),
    body: await compileTemplate(template.body, 'customAuthRequestTemplate.body'),
  };
  const authUrl = /^https?:\/\//i.test(request.endpoint) ? request.endpoint : joinUrl(options.settings.baseUrl, request.endpoint);
  let current: Credentials | undefined;
  let inFlight: Promise<Credentials> | undefined;
  let generation = 0;

  const authenticate = async (): Promise<Credentials> => {
    const signal = options.signal;
    const headers: Record<string, string> = { ...request.headers };
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasContentType && request.bodyForm !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const authRequest: ApiRequest = { method: request.method, url: authUrl, query: request.queryParams, headers };
    if (request.body !== undefined) authRequest.body = request.body;
    else if (request.bodyForm !== undefined) authRequest.form = request.bodyForm;
    const where = `authentication request ${request.method} ${describeUrl(authUrl)}`;
    let response;
    try {
      response = await options.transport.send(authRequest, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new CustomIntegrationError('CUSTOM_AUTH_FAILED', `${where} failed: ${(error as Error).message}`, { cause: error });
    }
    if (response.status >= 400) {
      throw new CustomIntegrationError('CUSTOM_AUTH_FAILED', `${where} answered ${response.status}: ${excerpt(response.text)}`, { status: response.status });
    }
    const body = response.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CustomIntegrationError('CUSTOM_AUTH_FAILED', `${where} answered ${response.status} without a JSON object to read the template values from`);
    }
    const credentials: Credentials = {
      headers: (await renderTemplate(compiled.headers, body)) as Record<string, string>,
      query: (await renderTemplate(compiled.queryParams, body)) as Record<string, unknown>,
      body: (await renderTemplate(compiled.body, body)) as Record<string, unknown>,
      obtainedAt: now(),
      lifetimeMs: lifetimeOf(request, body as Record<string, unknown>),
      generation: ++generation,
    };
    options.logger.info(
      { endpoint: describeUrl(authUrl), validForSeconds: credentials.lifetimeMs === undefined ? null : credentials.lifetimeMs / 1000 },
      'custom authentication succeeded',
    );
    return credentials;
  };

  /** One authentication at a time: concurrent callers share it. */
  const refresh = (): Promise<Credentials> => {
    inFlight ??= authenticate()
      .then((credentials) => {
        current = credentials;
        return credentials;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const expired = (credentials: Credentials): boolean => {
    if (credentials.lifetimeMs === undefined) return false;
    const ahead = Math.min(RENEW_AHEAD_MS, credentials.lifetimeMs / 2);
    return now() >= credentials.obtainedAt + credentials.lifetimeMs - ahead;
  };

  return {
    async apply(apiRequest) {
      let credentials = current;
      if (credentials === undefined || expired(credentials)) credentials = await refresh();
      const applied: ApiRequest = {
        ...apiRequest,
        headers: mergeHeaders(apiRequest.headers, credentials.headers),
        query: { ...apiRequest.query, ...credentials.query },
      };
      if (Object.keys(credentials.body).length > 0) {
        const body = apiRequest.body ?? {};
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new CustomIntegrationError('CUSTOM_CONFIG_INVALID', 'customAuthRequestTemplate.body can only be merged into a JSON object body; this request sends an array');
        }
        applied.body = { ...(body as Record<string, unknown>), ...credentials.body };
      }
      return { request: applied, generation: credentials.generation };
    },
    async renew(sentWith) {
      if (current !== undefined && current.generation !== sentWith) return true;
      options.logger.info('the API answered 401: authenticating again');
      await refresh();
      return true;
    },
  };
}

/**
 * How long an authentication is valid: `reauthenticateIntervalSeconds` when configured (Ocean),
 * otherwise the response's own `expires_in` / `expiresIn` seconds (an OAuth2 token response says
 * so), otherwise unknown (renewed on 401 only).
 */
function lifetimeOf(request: CustomAuthRequest, response: Record<string, unknown>): number | undefined {
  if (request.reauthenticateIntervalSeconds !== undefined) return request.reauthenticateIntervalSeconds * 1000;
  const raw = response['expires_in'] ?? response['expiresIn'];
  const seconds = typeof raw === 'string' ? Number(raw) : raw;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
