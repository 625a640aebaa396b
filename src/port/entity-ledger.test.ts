import { refKey } from './entity.js';
import { createEntityLedger } from './entity-ledger.js';

describe('entity ledger', () => {
  it('tracks digests and the produced flag per entity', () => {
    const ledger = createEntityLedger();
    const big = 2 ** 48 - 1;
    ledger.listed('a', 5);
    ledger.listed('b', big);
    expect(ledger.anyStale()).toBe(true);
    expect(ledger.produced('a', 5)).toBe(true);
    expect(ledger.unchanged('a', 5)).toBe(true);
    expect(ledger.unchanged('a', 5 + 2 ** 32)).toBe(false);
    expect(ledger.isProduced('a')).toBe(true);
    expect(ledger.isProduced('b')).toBe(false);
    expect(ledger.unchanged('b', big)).toBe(true);
    expect(ledger.produced('b')).toBe(false);
    expect(ledger.produced('b', big - 1)).toBe(false);
    expect(ledger.unchanged('b', big)).toBe(true);
    expect(ledger.anyStale()).toBe(false);
    expect(ledger.produced('new', 0)).toBe(false);
    expect(ledger.unchanged('new', 0)).toBe(false);
    ledger.wrote('new', 0);
    expect(ledger.unchanged('new', 0)).toBe(true);
    ledger.wrote('failed', undefined);
    expect(ledger.isProduced('failed')).toBe(true);
    expect(ledger.unchanged('failed', 0)).toBe(false);
    expect(ledger.isProduced('never-seen')).toBe(false);
    expect(ledger.unchanged('never-seen', 0)).toBe(false);
    expect(ledger.size).toBe(4);
  });

  it('keeps the produced flag when the listing arrives after the entity was produced', () => {
    const ledger = createEntityLedger();
    ledger.produced('late', 9);
    ledger.listed('late', 9);
    expect(ledger.isProduced('late')).toBe(true);
    expect(ledger.unchanged('late', 9)).toBe(true);
    expect(ledger.anyStale()).toBe(false);
  });

  it('keeps every one of 190,000 entities apart while growing, in 16-byte slots', () => {
    const ledger = createEntityLedger({ seed: 1, initialCapacity: 16 });
    const count = 190_000;
    const digestOf = (i: number) => (i * 2_654_435_761) % 2 ** 48;
    for (let i = 0; i < count; i++) ledger.listed(refKey('service', `svc-${i}`), digestOf(i));
    for (let i = 0; i < count; i += 2) ledger.produced(refKey('service', `svc-${i}`));
    expect(ledger.size).toBe(count);
    // 16-byte slots, at most 3/4 full and, growing by half, at least 1/2 full.
    const slots = ledger.byteLength / 16;
    expect(slots).toBeGreaterThanOrEqual(count / 0.75);
    expect(slots).toBeLessThanOrEqual(count / 0.5);
    const wrong: number[] = [];
    for (let i = 0; i < count; i++) {
      const key = refKey('service', `svc-${i}`);
      if (!ledger.unchanged(key, digestOf(i)) || ledger.unchanged(key, digestOf(i + 1)) || ledger.isProduced(key) !== (i % 2 === 0)) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(ledger.isProduced(refKey('service', `svc-${count}`))).toBe(false);
    expect(ledger.isProduced(refKey('servic', `esvc-0`))).toBe(false);
    expect(ledger.anyStale()).toBe(true);
    for (let i = 1; i < count; i += 2) ledger.produced(refKey('service', `svc-${i}`));
    expect(ledger.anyStale()).toBe(false);
  });

  it('hashes with its own seed, and forgets everything on clear', () => {
    const a = createEntityLedger({ seed: 1 });
    const b = createEntityLedger({ seed: 2 });
    a.listed('x', 1);
    b.listed('x', 1);
    expect(a.unchanged('x', 1) && b.unchanged('x', 1)).toBe(true);
    a.clear();
    expect(a.size).toBe(0);
    expect(a.unchanged('x', 1)).toBe(false);
    expect(a.anyStale()).toBe(false);
  });
});
