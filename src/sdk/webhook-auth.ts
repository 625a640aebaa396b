import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LiveEvent } from './live.js';

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual throws on different lengths; compare against itself to keep the timing flat.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

function headerValue(event: LiveEvent, name: string): string | undefined {
  const value = event.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Options for {@link verifyHmacSignature}. */
export interface HmacSignatureOptions {
  /** Header carrying the signature, such as `x-hub-signature-256`. */
  header: string;
  /** The shared secret the sender signs with. */
  secret: string;
  /** @default 'sha256' */
  algorithm?: 'sha256' | 'sha1';
  /** Text before the hex digest in the header, such as `sha256=`. @default '' */
  prefix?: string;
  /** @default 'hex' */
  encoding?: 'hex' | 'base64';
}

/**
 * Checks an HMAC signature computed over the raw request body, in constant time.
 *
 * @example
 * // GitHub
 * verifyHmacSignature(event, { header: 'x-hub-signature-256', secret, prefix: 'sha256=' })
 */
export function verifyHmacSignature(event: LiveEvent, options: HmacSignatureOptions): boolean {
  const received = headerValue(event, options.header);
  if (!received || !options.secret) return false;
  const digest = createHmac(options.algorithm ?? 'sha256', options.secret)
    .update(event.rawBody)
    .digest(options.encoding ?? 'hex');
  return constantTimeEqual(received, `${options.prefix ?? ''}${digest}`);
}

/** Checks that `header` carries exactly `secret` (GitLab's `X-Gitlab-Token` style), in constant time. */
export function verifySharedSecret(event: LiveEvent, header: string, secret: string): boolean {
  const received = headerValue(event, header);
  return Boolean(received && secret) && constantTimeEqual(received as string, secret);
}

/** Checks an `Authorization: Basic ...` header against a username and password, in constant time. */
export function verifyBasicAuth(event: LiveEvent, username: string, password: string): boolean {
  const received = headerValue(event, 'authorization');
  if (!received || !received.startsWith('Basic ')) return false;
  const expected = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return constantTimeEqual(received, expected);
}
