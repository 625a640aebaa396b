import { createEntityLedger } from './entity-ledger.js';

describe('entity ledger', () => {
  it('tracks digests and the produced flag in one entry per entity', () => {
    const ledger = createEntityLedger();
    const big = 2 ** 48 - 1;
    ledger.listed('a', 5);
    ledger.listed('b', big);
    expect(ledger.anyStale()).toBe(true);
    ledger.produced('a');
    expect(ledger.unchanged('a', 5)).toBe(true);
    expect(ledger.isProduced('a')).toBe(true);
    expect(ledger.isProduced('b')).toBe(false);
    expect(ledger.unchanged('b', big)).toBe(true);
    ledger.produced('b');
    ledger.produced('b');
    expect(ledger.unchanged('b', big)).toBe(true);
    expect(ledger.anyStale()).toBe(false);
    ledger.produced('new');
    expect(ledger.unchanged('new', 0)).toBe(false);
    ledger.wrote('new', 0);
    expect(ledger.unchanged('new', 0)).toBe(true);
    ledger.wrote('failed', undefined);
    expect(ledger.isProduced('failed')).toBe(true);
    expect(ledger.unchanged('failed', 0)).toBe(false);
    expect(ledger.size).toBe(4);
  });
});
