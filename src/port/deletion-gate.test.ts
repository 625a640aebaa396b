import { decideDeletion } from './deletion-gate.js';

const base = { kindErrors: [], stateKnown: true, aborted: false, ownedBefore: 3, stale: 1, threshold: 0.9 };

describe('deletion gate (Ocean 5.8, 5.9)', () => {
  it('matches Ocean test figures', () => {
    expect(decideDeletion(base).allowed).toBe(true); // 3 in Port, 2 generated
    expect(decideDeletion({ ...base, stale: 3 }).allowed).toBe(false); // rate 1.0 > 0.9
    expect(decideDeletion({ ...base, ownedBefore: 2, stale: 2, threshold: 0.5 }).allowed).toBe(false);
    expect(decideDeletion({ ...base, threshold: 0 }).allowed).toBe(false);
    expect(decideDeletion({ ...base, stale: 3, threshold: 1 }).allowed).toBe(true);
    expect(decideDeletion({ ...base, stale: 3, threshold: undefined })).toMatchObject({ allowed: false, reason: 'threshold' });
    expect(decideDeletion({ ...base, stale: 0 })).toMatchObject({ allowed: false, reason: 'nothing-stale' });
  });

  it('refuses on any kind error, an unknown state or an abort', () => {
    expect(decideDeletion({ ...base, kindErrors: ['service'] })).toMatchObject({ allowed: false, reason: 'kind-errors' });
    expect(decideDeletion({ ...base, stateKnown: false })).toMatchObject({ allowed: false, reason: 'state-unknown' });
    expect(decideDeletion({ ...base, aborted: true })).toMatchObject({ allowed: false, reason: 'aborted' });
  });
});
