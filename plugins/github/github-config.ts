/**
 * The integration's config (Ocean's spec keys, camelCase), resolved into what the client needs.
 * Ocean decides the authentication by what is set, not by `authenticationMode` (a tab of Port's
 * form): a token wins; otherwise an app id, its private key and the organization.
 */

export type GithubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId?: number; organization: string };

export interface GithubSettings {
  /** REST base URL, such as `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiUrl: string;
  auth: GithubAuth;
  /** The organization to sync (`githubOrganization`); unset: every organization the token can see. */
  organization?: string;
  webhookSecret?: string;
  skipWebhookPatching: boolean;
  /** Percent (0-100) of the REST budget resyncs may use; the rest is kept for live events. */
  reservationThreshold: number;
}

/** A config problem, reported by `setup` (the integration fails with this message). */
export class GithubConfigError extends Error {
  override name = 'GithubConfigError';
}

const DEFAULT_API_URL = 'https://api.github.com';

export function resolveGithubSettings(config: Record<string, unknown>): GithubSettings {
  const text = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw new GithubConfigError(`config.${key} must be a string, got ${typeof value}`);
    const trimmed = String(value).trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const apiUrl = (text('githubHost') ?? DEFAULT_API_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#\s]+/.test(apiUrl)) throw new GithubConfigError(`config.githubHost must be an http(s) URL such as ${DEFAULT_API_URL}, got "${apiUrl}"`);
  const organization = text('githubOrganization');
  const token = text('githubToken');
  const appId = text('githubAppId');
  const privateKey = text('githubAppPrivateKey');
  let auth: GithubAuth;
  if (token !== undefined) {
    auth = { kind: 'token', token };
  } else if (appId !== undefined || privateKey !== undefined) {
    const missing = [appId === undefined && 'githubAppId', privateKey === undefined && 'githubAppPrivateKey', organization === undefined && 'githubOrganization'].filter(Boolean);
    if (missing.length > 0) throw new GithubConfigError(`GitHub App authentication needs ${missing.join(', ')} in the config (or set githubToken for a personal access token)`);
    const installation = text('githubAppInstallationId');
    if (installation !== undefined && !/^\d+$/.test(installation)) throw new GithubConfigError(`config.githubAppInstallationId must be a number, got "${installation}"`);
    auth = { kind: 'app', appId: appId!, privateKey: normalisePrivateKey(privateKey!), organization: organization!, ...(installation === undefined ? {} : { installationId: Number(installation) }) };
  } else {
    throw new GithubConfigError('No GitHub credentials: set githubToken (a personal access token), or githubAppId, githubAppPrivateKey and githubOrganization (a GitHub App)');
  }
  const threshold = config['resyncRatelimitReservationThreshold'] ?? 95;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    throw new GithubConfigError(`config.resyncRatelimitReservationThreshold must be a number from 0 to 100, got ${JSON.stringify(threshold)}`);
  }
  const webhookSecret = text('webhookSecret');
  return {
    apiUrl,
    auth,
    ...(organization === undefined ? {} : { organization }),
    ...(webhookSecret === undefined ? {} : { webhookSecret }),
    skipWebhookPatching: config['skipWebhookPatching'] === true,
    reservationThreshold: threshold,
  };
}

/**
 * Private keys pasted into environment variables often arrive with literal `\n` sequences or
 * without line breaks at all; PEM parsers need the real lines.
 */
export function normalisePrivateKey(key: string): string {
  let pem = key.replace(/\\n/g, '\n').trim();
  const match = /^(-----BEGIN [A-Z ]+-----)\s*([\s\S]*?)\s*(-----END [A-Z ]+-----)$/.exec(pem);
  if (match && !match[2]!.includes('\n')) {
    const body = match[2]!.replace(/\s+/g, '');
    pem = `${match[1]}\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n${match[3]}`;
  }
  return `${pem}\n`;
}
