import { createHmac, randomBytes } from 'node:crypto';

/**
 * Access tokens as Port issues them: a JWT (HS256 with a key that lives as long as the emulator;
 * Ocean decodes it without verifying) carrying `isMachine: true`, valid for a fixed time, and one active token per credential pair,
 * so asking again before expiry hands back the same token.
 */
export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

export interface TokenInfo {
  clientId: string;
  expiresAt: number;
}

export interface TokenIssuer {
  /** Checks the pair against the configured credentials (any pair when none are configured). */
  accepts(clientId: string, clientSecret: string): boolean;
  issue(clientId: string, clientSecret: string, nowMs?: number): TokenGrant;
  verify(token: string, nowMs?: number): TokenInfo | undefined;
  /** Expires every token now, so clients exercise their 401 → refresh → retry path. */
  expireAll(): void;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function createTokenIssuer(options: {
  credentials?: { clientId: string; clientSecret: string }[] | undefined;
  ttlSeconds: number;
  organizationId: string;
}): TokenIssuer {
  const byToken = new Map<string, TokenInfo>();
  const byPair = new Map<string, string>();
  const pairKey = (id: string, secret: string) => `${id}\u0000${secret}`;
  const signingKey = randomBytes(32);

  return {
    accepts(clientId, clientSecret) {
      if (options.credentials === undefined) return true;
      return options.credentials.some((pair) => pair.clientId === clientId && pair.clientSecret === clientSecret);
    },
    issue(clientId, clientSecret, nowMs = Date.now()) {
      const key = pairKey(clientId, clientSecret);
      const current = byPair.get(key);
      const info = current === undefined ? undefined : byToken.get(current);
      if (current !== undefined && info !== undefined && info.expiresAt > nowMs) {
        return { accessToken: current, expiresIn: Math.floor((info.expiresAt - nowMs) / 1000), tokenType: 'Bearer' };
      }
      if (current !== undefined) byToken.delete(current);
      const iat = Math.floor(nowMs / 1000);
      const payload = {
        sub: clientId,
        orgId: options.organizationId,
        isMachine: true,
        iat,
        exp: iat + options.ttlSeconds,
        jti: randomBytes(8).toString('hex'),
      };
      const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}`;
      const token = `${unsigned}.${createHmac('sha256', signingKey).update(unsigned).digest('base64url')}`;
      byToken.set(token, { clientId, expiresAt: nowMs + options.ttlSeconds * 1000 });
      byPair.set(key, token);
      return { accessToken: token, expiresIn: options.ttlSeconds, tokenType: 'Bearer' };
    },
    verify(token, nowMs = Date.now()) {
      const info = byToken.get(token);
      if (info === undefined || info.expiresAt <= nowMs) return undefined;
      return info;
    },
    expireAll() {
      for (const info of byToken.values()) info.expiresAt = 0;
    },
  };
}
