import { RequestError } from '@octokit/request-error';

/** How GitHub refused a request for its rate limits, and how long to hold off. */
export type RateLimitAnswer =
  | { type: 'primary'; resource: string; resetAt: number }
  | { type: 'secondary'; retryAfterMs: number };

/** GitHub's guidance when a secondary limit gives no `retry-after`: wait at least a minute. */
const SECONDARY_FALLBACK_MS = 60_000;

/**
 * Recognises GitHub's rate-limit answers: 403 or 429 with `x-ratelimit-remaining: 0` (primary:
 * wait for `x-ratelimit-reset`), 403 or 429 with `retry-after` or a "secondary rate limit"
 * message (secondary), and GraphQL's `RATE_LIMITED` errors. Anything else (a 403 for missing
 * permissions) is not a rate limit.
 */
export function rateLimitAnswer(error: unknown, now = Date.now()): RateLimitAnswer | undefined {
  const status = (error as { status?: unknown })?.status;
  const response = (error as RequestError)?.response;
  const headers = (response?.headers ?? {}) as Record<string, string | number | undefined>;
  const resource = typeof headers['x-ratelimit-resource'] === 'string' ? headers['x-ratelimit-resource'] : undefined;
  const resetAt = Number(headers['x-ratelimit-reset']) * 1000;
  const graphqlLimited =
    (error as Error)?.message === 'GraphQL Rate Limit Exceeded' ||
    ((response?.data as { errors?: { type?: string }[] } | undefined)?.errors ?? []).some((item) => item?.type === 'RATE_LIMITED');
  if (graphqlLimited) return { type: 'primary', resource: resource ?? 'graphql', resetAt: Number.isFinite(resetAt) ? resetAt + 1000 : now + SECONDARY_FALLBACK_MS };
  if (status !== 403 && status !== 429) return undefined;
  if (String(headers['x-ratelimit-remaining']) === '0' && Number.isFinite(resetAt)) return { type: 'primary', resource: resource ?? 'core', resetAt: resetAt + 1000 };
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter)) return { type: 'secondary', retryAfterMs: retryAfter * 1000 };
  if (/secondary rate limit|abuse detection/i.test((error as Error)?.message ?? '')) return { type: 'secondary', retryAfterMs: SECONDARY_FALLBACK_MS };
  return undefined;
}
