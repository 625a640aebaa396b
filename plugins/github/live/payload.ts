import type { LiveEvent } from '../../../src/sdk/index.js';

export type Json = Record<string, any>;

export const eventName = (event: LiveEvent): string => {
  const value = event.headers['x-github-event'];
  return String(Array.isArray(value) ? value[0] : (value ?? ''));
};

export const payloadOf = (event: LiveEvent): Json => (event.body !== null && typeof event.body === 'object' ? (event.body as Json) : {});

/** The repository an event is about: owner login, name, and the organization to report. */
export function repositoryOf(event: LiveEvent): { org: string; owner: string; name: string; data: Json } | undefined {
  const payload = payloadOf(event);
  const repo = payload['repository'];
  if (repo === null || typeof repo !== 'object' || typeof repo['name'] !== 'string') return undefined;
  const owner = String(repo['owner']?.['login'] ?? payload['organization']?.['login'] ?? '');
  return { org: String(payload['organization']?.['login'] ?? owner), owner, name: repo['name'], data: repo };
}
