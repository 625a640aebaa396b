/**
 * Port access-token cache: one token per credential pair, refreshed shortly before it expires,
 * and fetched by at most one request at a time (single flight) however many callers need it.
 * Ocean refreshes only after expiry and lets concurrent requests each fetch their own token.
 */
export interface AccessToken {
  /** The value for the Authorization header, such as `Bearer eyJ...`. */
  header: string;
  /** When the token stops being valid, in ms since the epoch. */
  expiresAt: number;
}

export interface TokenCacheOptions {
  /** Fetches a fresh token. Its errors reach every caller waiting for that fetch. */
  fetchToken(): Promise<{ accessToken: string; tokenType?: string; expiresIn: number }>;
  /**
   * A token is refreshed once less than this much of its life remains. The effective margin is
   * also capped at a tenth of the lifetime, so short-lived test tokens are not refreshed at once.
   * @default 300000 (5 minutes)
   */
  refreshMarginMs?: number;
  now?: () => number;
}

export interface TokenCache {
  /** A valid token, from the cache or fetched now. */
  get(): Promise<AccessToken>;
  /**
   * Drops `header` after Port rejected it (401), so the next `get` fetches a new one. A stale
   * call about an older token leaves a newer cached token alone.
   */
  invalidate(header: string): void;
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? 300_000;
  let current: { token: AccessToken; refreshAt: number } | undefined;
  let inFlight: Promise<AccessToken> | undefined;

  async function fetchFresh(): Promise<AccessToken> {
    const fetchedAt = now();
    const answer = await options.fetchToken();
    const lifetimeMs = Math.max(0, answer.expiresIn * 1000);
    const token = { header: `${answer.tokenType ?? 'Bearer'} ${answer.accessToken}`, expiresAt: fetchedAt + lifetimeMs };
    current = { token, refreshAt: token.expiresAt - Math.min(marginMs, lifetimeMs / 10) };
    return token;
  }

  return {
    get() {
      if (current !== undefined && now() < current.refreshAt) return Promise.resolve(current.token);
      inFlight ??= fetchFresh().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate(header) {
      if (current?.token.header === header) current = undefined;
    },
  };
}
