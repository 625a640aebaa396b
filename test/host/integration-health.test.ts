import { degradedReasons } from '../../src/host/integration-health.js';
import type { RunRecord, RuntimeStatus } from '../../src/sync/integration-runtime.js';

const run = (runId: string, status: RunRecord['status'], errors: RunRecord['errors'] = []): RunRecord => ({
  runId,
  integration: 'acme',
  trigger: { source: 'schedule' },
  status,
  requestedAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: `2026-01-01T00:0${runId.length}:00.000Z`,
  progress: null,
  errors,
});

/** Newest run first, as the runtime lists them. */
const status = (recent: RunRecord[], listenerError: string | null = null): RuntimeStatus => ({
  listener: 'KAFKA',
  listenerError,
  resyncs: true,
  intervalMinutes: 60,
  nextRunAt: null,
  running: null,
  queued: null,
  lastRun: recent[0] ?? null,
  recent,
});

describe('degradedReasons', () => {
  test('the last finished resync decides: failed degrades, completed clears, aborted runs do not count', () => {
    const failed = run('r1', 'failed', [
      { code: 'RESYNC_PLUGIN_FAILED', kind: 'repo', message: 'the API said 500' },
      { code: 'RESYNC_KIND_NOT_IMPLEMENTED', kind: 'team', message: 'no handler' },
    ]);
    expect(degradedReasons({ resync: status([run('r22', 'aborted'), failed]) })).toEqual([
      { source: 'resync', code: 'RESYNC_PLUGIN_FAILED', message: 'the last resync (r1) failed: kind "repo": the API said 500 (and 1 more error)', at: failed.endedAt },
    ]);
    expect(degradedReasons({ resync: status([run('r333', 'completed'), failed]) })).toEqual([]);
    expect(degradedReasons({ resync: status([run('r22', 'aborted')]) })).toEqual([]);
    expect(degradedReasons({})).toEqual([]);
  });

  test('a listener that cannot start, and dead letters of the window, are reasons of their own', () => {
    const latest = { id: 'ev-9', path: '/x', processors: ['p'], resourceKey: 'k', deliveryId: null, receivedAt: '2026-01-01T00:00:00.000Z', failedAt: '2026-01-01T00:01:00.000Z', attempts: 3, reason: 'upstream 503' };
    expect(degradedReasons({ resync: status([], 'Kafka unreachable'), recentDeadLetters: { count: 2, latest } })).toEqual([
      { source: 'listener', message: 'the KAFKA listener is not running (retrying): Kafka unreachable' },
      { source: 'live', message: '2 live events dead-lettered in the last 15 minutes; latest ev-9: upstream 503', at: latest.failedAt },
    ]);
    expect(degradedReasons({ recentDeadLetters: { count: 0 } })).toEqual([]);
  });
});
