import { createTokenCache } from './token-cache.js';

describe('token cache', () => {
  it('fetches once for concurrent callers (single flight) and reuses the token', async () => {
    let fetches = 0;
    const cache = createTokenCache({
      fetchToken: async () => {
        fetches += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { accessToken: `t${fetches}`, expiresIn: 10_800 };
      },
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(new Set(tokens.map((t) => t.header))).toEqual(new Set(['Bearer t1']));
    await cache.get();
    expect(fetches).toBe(1);
  });

  it('refreshes before expiry, using the smaller of the margin and a tenth of the lifetime', async () => {
    let clock = 0;
    let fetches = 0;
    const cache = createTokenCache({ now: () => clock, refreshMarginMs: 300_000, fetchToken: async () => ({ accessToken: `t${++fetches}`, expiresIn: 100 }) });
    expect((await cache.get()).header).toBe('Bearer t1');
    clock = 89_000; // 11 s left of 100 s: more than a tenth, keep it
    expect((await cache.get()).header).toBe('Bearer t1');
    clock = 90_500; // inside the last tenth: refresh although it is still valid
    expect((await cache.get()).header).toBe('Bearer t2');
  });

  it('drops a rejected token, but not a newer one', async () => {
    let fetches = 0;
    const cache = createTokenCache({ fetchToken: async () => ({ accessToken: `t${++fetches}`, tokenType: 'Bearer', expiresIn: 10_800 }) });
    const first = await cache.get();
    cache.invalidate(first.header);
    const second = await cache.get();
    expect(second.header).toBe('Bearer t2');
    cache.invalidate(first.header);
    expect((await cache.get()).header).toBe('Bearer t2');
  });

  it('passes a fetch failure to every waiter and tries again next time', async () => {
    let fail = true;
    const cache = createTokenCache({
      fetchToken: async () => {
        if (fail) throw new Error('Port down');
        return { accessToken: 'ok', expiresIn: 60 };
      },
    });
    await expect(Promise.all([cache.get(), cache.get()])).rejects.toThrow('Port down');
    fail = false;
    expect((await cache.get()).header).toBe('Bearer ok');
  });
});
