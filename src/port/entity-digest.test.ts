import fc from 'fast-check';
import { canonicalJson, entityDigest } from './entity-digest.js';

describe('entity digest', () => {
  it('ignores key order, nulls on either side, meta fields and team order', () => {
    const source = { title: 'A', team: ['b', 'a'], properties: { x: 1, y: null, z: { q: 1, p: [1, 2] } }, relations: { owner: 'u1', empty: null } };
    const port = {
      identifier: 'a',
      blueprint: 'svc',
      createdAt: '2026-01-01',
      title: 'A',
      icon: null,
      team: ['a', 'b'],
      relations: { owner: 'u1' },
      properties: { z: { p: [1, 2], q: 1 }, x: 1, w: null },
    };
    expect(entityDigest(port)).toBe(entityDigest(source));
    expect(entityDigest({ team: 'a' })).toBe(entityDigest({ team: ['a'] }));
    expect(entityDigest({ team: [] })).toBe(entityDigest({}));
  });

  it('sees a changed value, a changed array order and an extra key', () => {
    const base = { properties: { x: 1, list: [1, 2] } };
    expect(entityDigest({ properties: { x: 2, list: [1, 2] } })).not.toBe(entityDigest(base));
    expect(entityDigest({ properties: { x: 1, list: [2, 1] } })).not.toBe(entityDigest(base));
    expect(entityDigest({ properties: { x: 1, list: [1, 2], extra: false } })).not.toBe(entityDigest(base));
    expect(entityDigest({ ...base, title: 'T' })).not.toBe(entityDigest(base));
  });

  it('canonical JSON is independent of key order for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reversed = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
      }),
    );
  });
});
