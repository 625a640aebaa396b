import { createResyncProgress } from '../../src/sync/resync-progress.js';
import { progressLine, renderProgressTable } from '../../src/sync/progress-view.js';

function sample(now: { t: number }) {
  const progress = createResyncProgress({ now: () => now.t });
  progress.setKinds([
    { kind: 'fake-department', resourceIndex: 0 },
    { kind: 'fake-person', resourceIndex: 1 },
  ]);
  Object.assign(progress.kind(0), { state: 'completed', records: 5, mapped: 5, upserted: 5 });
  Object.assign(progress.kind(1), { state: 'running', records: 1995, mapped: 1990, filtered: 5, upserted: 1000, unchanged: 980, failed: 10 });
  return progress;
}

test('snapshots sum the kinds, compute the rate and are copies', () => {
  const now = { t: 1_000_000 };
  const progress = sample(now);
  now.t += 4000;
  const snapshot = progress.snapshot();
  expect(snapshot.totals).toEqual({ records: 2000, mapped: 1995, filtered: 5, skipped: 0, upserted: 1005, unchanged: 980, failed: 10, deleted: 0 });
  expect(snapshot.recordsPerSecond).toBe(500);
  expect(snapshot.state).toBe('running');
  expect(snapshot.endedAt).toBeNull();
  snapshot.kinds[1]!.records = 0;
  expect(progress.kind(1).records).toBe(1995);

  progress.addUnattributedDeletions(2);
  progress.setState('completed');
  now.t += 6000;
  const final = progress.snapshot();
  // The clock stops at the end: a finished run's rate and duration no longer change.
  expect(final).toMatchObject({ state: 'completed', elapsedMs: 4000, recordsPerSecond: 500, totals: { deleted: 2 } });
  expect(final.endedAt).toBe(new Date(1_004_000).toISOString());
  expect(() => progress.kind(5)).toThrow(/no resource block 5/);
});

test('the terminal table and the log line show per-kind figures, totals and the rate', () => {
  const now = { t: 0 };
  const progress = sample(now);
  now.t = 2000;
  const table = renderProgressTable('fake-demo', progress.snapshot());
  expect(table[0]).toBe('fake-demo  2.0 s  1,000 records/s');
  expect(table[1]).toMatch(/^ {2}kind +state +records +upserted +unchanged +failed +deleted$/);
  expect(table[3]).toMatch(/^ {2}fake-person +running +1,995 +1,000 +980 +10 +0$/);
  expect(table[4]).toMatch(/^ {2}total +running +2,000 +1,005 +980 +10 +0$/);
  expect(new Set(table.slice(1).map((line) => line.length)).size).toBe(1);
  expect(progressLine('fake-demo', progress.snapshot())).toBe('fake-demo running 2.0 s kind=fake-person records=2,000 upserted=1,005 unchanged=980 failed=10 deleted=0 rate=1,000/s');
});
