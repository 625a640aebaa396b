import { createTokenIssuer } from './tokens.js';

const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;

test('one token per credential pair until it expires, then a new one', () => {
  const issuer = createTokenIssuer({ ttlSeconds: 60, organizationId: 'org1' });
  const first = issuer.issue('a', 's', 0);
  expect(first).toMatchObject({ expiresIn: 60, tokenType: 'Bearer' });
  expect(first.accessToken.split('.')).toHaveLength(3);
  expect(decode(first.accessToken)).toMatchObject({ sub: 'a', orgId: 'org1', isMachine: true, exp: 60 });
  expect(issuer.issue('a', 's', 30_000)).toEqual({ ...first, expiresIn: 30 });
  expect(issuer.issue('b', 's', 30_000).accessToken).not.toBe(first.accessToken);
  expect(issuer.verify(first.accessToken, 59_999)).toEqual({ clientId: 'a', expiresAt: 60_000 });
  expect(issuer.verify(first.accessToken, 60_000)).toBeUndefined();
  expect(issuer.issue('a', 's', 60_000).accessToken).not.toBe(first.accessToken);
  expect(issuer.verify(first.accessToken, 0)).toBeUndefined();
});

test('configured credentials are the only ones accepted; expireAll ends every token', () => {
  const issuer = createTokenIssuer({ ttlSeconds: 60, organizationId: 'o', credentials: [{ clientId: 'id', clientSecret: 'secret' }] });
  expect(issuer.accepts('id', 'secret')).toBe(true);
  expect(issuer.accepts('id', 'other')).toBe(false);
  expect(issuer.accepts('x', 'secret')).toBe(false);
  const open = createTokenIssuer({ ttlSeconds: 60, organizationId: 'o' });
  expect(open.accepts('anyone', 'anything')).toBe(true);
  const { accessToken } = open.issue('anyone', 'anything');
  expect(open.verify(accessToken)).toBeDefined();
  open.expireAll();
  expect(open.verify(accessToken)).toBeUndefined();
});
