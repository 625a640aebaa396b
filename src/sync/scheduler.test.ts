import { setImmediate as nextTick } from 'node:timers/promises';
import { pino } from 'pino';
import { isMarinaError } from '../errors.js';
import { createManualClock, type ManualClock } from './schedule-clock.js';
import { createResyncScheduler, type ResyncScheduler, type ResyncTrigger } from './scheduler.js';

interface Call {
  id: string;
  signal: AbortSignal;
  trigger: ResyncTrigger;
  startedAt: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Tasks whose runs end when the test says so. `honoursSignal` runs reject with the abort
 * reason as soon as their signal fires, like a well-behaved resync; the others ignore it.
 */
function createTasks(clock: ManualClock) {
  const calls: Call[] = [];
  const running = new Set<Call>();
  let maxConcurrent = 0;
  const task = (id: string, honoursSignal = true) => (signal: AbortSignal, trigger: ResyncTrigger) =>
    new Promise<void>((resolve, reject) => {
      const call: Call = {
        id,
        signal,
        trigger,
        startedAt: clock.now(),
        resolve: () => (running.delete(call), resolve()),
        reject: (error) => (running.delete(call), reject(error)),
      };
      calls.push(call);
      running.add(call);
      maxConcurrent = Math.max(maxConcurrent, running.size);
      if (honoursSignal) signal.addEventListener('abort', () => call.reject(signal.reason), { once: true });
    });
  return { calls, task, runningIds: () => [...running].map((c) => c.id), maxConcurrent: () => maxConcurrent };
}

/** Lets settled promises run their reactions (no real waiting: a few turns of the event loop). */
async function flush(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await nextTick();
}

async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  return !settled;
}

function setUp(options: { maxConcurrentRuns?: number; random?: () => number } = {}) {
  const clock = createManualClock(1_000_000);
  const tasks = createTasks(clock);
  const scheduler: ResyncScheduler = createResyncScheduler({
    maxConcurrentRuns: options.maxConcurrentRuns ?? 10,
    clock,
    random: options.random ?? (() => 0.5),
    logger: pino({ level: 'silent' }),
  });
  return { clock, scheduler, ...tasks };
}

const admin: ResyncTrigger = { source: 'admin', reason: 'test' };
const MINUTE = 60_000;

describe('resync scheduler: cadence', () => {
  it('never overlaps scheduled runs and counts the interval from the end of the last run', async () => {
    const { clock, scheduler, calls, task } = setUp();
    scheduler.register('a', { intervalMs: MINUTE, runOnStart: true, run: task('a') });
    expect(calls.map((c) => c.trigger.source)).toEqual(['start']);

    clock.advance(10 * MINUTE); // a run far longer than the interval
    await flush();
    expect(calls).toHaveLength(1);
    expect(scheduler.status('a').nextRunAt).toBeUndefined();

    calls[0]!.resolve();
    await flush();
    const endedAt = clock.now();
    expect(scheduler.status('a')).toMatchObject({ lastRun: { status: 'succeeded', endedAt }, nextRunAt: endedAt + MINUTE });

    clock.advance(MINUTE - 1);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ trigger: { source: 'schedule' }, startedAt: endedAt + MINUTE });
  });

  it('restarts the cadence after a manual run', async () => {
    const { clock, scheduler, calls, task } = setUp({ random: () => 0.9 });
    scheduler.register('a', { intervalMs: MINUTE, run: task('a') });
    clock.advance(MINUTE / 2);
    scheduler.trigger('a', admin);
    clock.advance(MINUTE / 2); // the first scheduled run was due in here
    calls[0]!.resolve();
    await flush();
    expect(calls).toHaveLength(1);
    expect(scheduler.status('a').nextRunAt).toBe(clock.now() + MINUTE);
  });

  it('spreads the first scheduled runs of integrations with the same interval over the interval', () => {
    const draws = [0, 0.25, 0.5, 0.75];
    const { clock, scheduler, calls, task } = setUp({ random: () => draws.shift() ?? 0 });
    const start = clock.now();
    for (const id of ['a', 'b', 'c', 'd']) scheduler.register(id, { intervalMs: 4 * MINUTE, run: task(id) });
    expect(['a', 'b', 'c', 'd'].map((id) => scheduler.status(id).nextRunAt! - start)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
    clock.advance(4 * MINUTE);
    expect(calls.map((c) => [c.id, c.startedAt - start])).toEqual([
      ['a', 0],
      ['b', MINUTE],
      ['c', 2 * MINUTE],
      ['d', 3 * MINUTE],
    ]);
  });

  it('keeps intervals longer than a timer can wait (about 24.8 days) exact', async () => {
    const { clock, scheduler, calls, task } = setUp();
    const forty = 40 * 24 * 60 * MINUTE;
    scheduler.register('a', { intervalMs: forty, runOnStart: true, run: task('a') });
    calls[0]!.resolve();
    await flush();
    const endedAt = clock.now();
    clock.advance(forty - 1);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.startedAt).toBe(endedAt + forty);
  });

  it('records a run that throws as failed, with its error, and keeps the schedule', async () => {
    const { clock, scheduler, calls, task } = setUp();
    scheduler.register('a', { intervalMs: MINUTE, runOnStart: true, run: task('a') });
    const failure = new Error('plugin exploded');
    calls[0]!.reject(failure);
    await flush();
    expect(scheduler.status('a')).toMatchObject({ lastRun: { status: 'failed', error: failure, trigger: { source: 'start' } }, nextRunAt: clock.now() + MINUTE });
    clock.advance(MINUTE);
    expect(calls).toHaveLength(2);
  });

  it('records a run that throws synchronously as failed', async () => {
    const { scheduler } = setUp();
    scheduler.register('a', {
      run: () => {
        throw new Error('sync failure');
      },
    });
    const outcome = await scheduler.trigger('a', admin).done;
    expect(outcome).toMatchObject({ status: 'failed', error: new Error('sync failure') });
  });

  it('runs nothing without runOnStart or an interval until triggered', async () => {
    const { clock, scheduler, calls, task } = setUp();
    scheduler.register('a', { run: task('a') });
    clock.advance(24 * 60 * MINUTE);
    expect(calls).toHaveLength(0);
    expect(scheduler.status('a')).toEqual({});
    const { accepted, done } = scheduler.trigger('a', admin);
    await accepted; // at once: nothing was running
    expect(await isPending(done)).toBe(true);
    calls[0]!.resolve();
    expect(await done).toMatchObject({ status: 'succeeded', trigger: admin });
    expect(scheduler.status('a').nextRunAt).toBeUndefined();
  });
});

describe('resync scheduler: newer resync aborts the running one', () => {
  it('aborts the running run of the same id and starts the new one only after the old has settled', async () => {
    const { scheduler, calls, task } = setUp();
    scheduler.register('a', { runOnStart: true, run: task('a', false) });
    const firstRunId = scheduler.status('a').running!.runId;
    const second = scheduler.trigger('a', admin);

    expect(calls[0]!.signal.aborted).toBe(true);
    expect(isMarinaError(calls[0]!.signal.reason, 'RESYNC_ABORTED')).toBe(true);
    expect(await isPending(second.accepted)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(scheduler.status('a')).toMatchObject({ running: { runId: firstRunId }, queued: { runId: second.runId, trigger: admin } });

    calls[0]!.resolve(); // it ignored the signal and finished anyway: still an aborted run
    await second.accepted;
    expect(calls).toHaveLength(2);
    expect(calls[1]!.trigger).toEqual(admin);
    expect(calls[1]!.signal.aborted).toBe(false);
    expect(scheduler.status('a').lastRun).toMatchObject({ runId: firstRunId, status: 'aborted', abortedBy: 'superseded' });
  });

  it('never touches another integration', async () => {
    const { scheduler, calls, task } = setUp();
    scheduler.register('a', { runOnStart: true, run: task('a') });
    scheduler.register('b', { runOnStart: true, run: task('b') });
    scheduler.trigger('a', admin);
    await flush();
    expect(calls.map((c) => [c.id, c.signal.aborted])).toEqual([
      ['a', true],
      ['b', false],
      ['a', false],
    ]);
  });

  it('replaces a request that is still waiting, which then reports aborted without having started', async () => {
    const { scheduler, calls, task } = setUp();
    scheduler.register('a', { runOnStart: true, run: task('a', false) });
    const second = scheduler.trigger('a', { source: 'listener' });
    const third = scheduler.trigger('a', admin);
    const dropped = await second.done;
    expect(dropped).toMatchObject({ runId: second.runId, status: 'aborted', abortedBy: 'superseded', trigger: { source: 'listener' } });
    expect(dropped.startedAt).toBeUndefined();
    await second.accepted; // resolves too: the request was handled
    calls[0]!.resolve();
    await third.accepted;
    expect(calls.map((c) => c.trigger.source)).toEqual(['start', 'admin']);
  });

  it('hands the new run a fresh signal and reports outcomes to each trigger', async () => {
    const { scheduler, calls, task } = setUp();
    scheduler.register('a', { run: task('a') });
    const first = scheduler.trigger('a', { source: 'listener' });
    const second = scheduler.trigger('a', admin);
    expect(await first.done).toMatchObject({ status: 'aborted', abortedBy: 'superseded', startedAt: expect.any(Number) });
    await second.accepted;
    calls[1]!.resolve();
    expect(await second.done).toMatchObject({ runId: second.runId, status: 'succeeded' });
  });
});

describe('resync scheduler: global cap', () => {
  it('queues runs beyond the cap in request order, one place per integration', async () => {
    const { scheduler, calls, task, runningIds } = setUp({ maxConcurrentRuns: 1 });
    for (const id of ['a', 'b', 'c']) scheduler.register(id, { runOnStart: true, run: task(id) });
    expect(runningIds()).toEqual(['a']);
    expect(scheduler.status('b').queued?.trigger).toEqual({ source: 'start' });
    expect(scheduler.stats()).toEqual({ running: 1, queued: 2, maxConcurrentRuns: 1 });

    // A newer resync of `a` aborts it; its new run queues behind b and c, which asked first.
    scheduler.trigger('a', admin);
    await flush();
    expect(runningIds()).toEqual(['b']);
    calls.find((c) => c.id === 'b')!.resolve();
    await flush();
    expect(runningIds()).toEqual(['c']);
    calls.find((c) => c.id === 'c')!.resolve();
    await flush();
    expect(runningIds()).toEqual(['a']);
    expect(calls.map((c) => `${c.id}:${c.trigger.source}`)).toEqual(['a:start', 'b:start', 'c:start', 'a:admin']);
  });

  it('never runs more than the cap at once', async () => {
    const { clock, scheduler, calls, task, maxConcurrent } = setUp({ maxConcurrentRuns: 3 });
    const ids = Array.from({ length: 12 }, (_, i) => `integration-${i}`);
    for (const id of ids) scheduler.register(id, { runOnStart: true, intervalMs: MINUTE, run: task(id) });
    // Finish runs one by one, letting the schedule come round a few times.
    const finished = new Set<Call>();
    for (let step = 0; step < 40; step++) {
      const open = calls.find((c) => !finished.has(c));
      if (open) {
        finished.add(open);
        open.resolve();
      }
      await flush();
      clock.advance(MINUTE / 4);
    }
    expect(calls.length).toBeGreaterThan(12);
    expect(maxConcurrent()).toBe(3);
  });
});

describe('resync scheduler: unregister and stop', () => {
  it('unregister aborts the running run, waits for it, and forgets the schedule', async () => {
    const { clock, scheduler, calls, task } = setUp();
    scheduler.register('a', { runOnStart: true, intervalMs: MINUTE, run: task('a', false) });
    const unregistered = scheduler.unregister('a');
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(await isPending(unregistered)).toBe(true);
    calls[0]!.resolve();
    await unregistered;
    expect(() => scheduler.status('a')).toThrow(expect.objectContaining({ code: 'SCHEDULER_UNKNOWN_ID' }));
    expect(clock.pending()).toEqual([]);
    expect(scheduler.ids()).toEqual([]);
    // The id is free again, as a hot reload needs.
    scheduler.register('a', { run: task('a') });
    expect(scheduler.ids()).toEqual(['a']);
  });

  it('unregister drops a waiting request', async () => {
    const { scheduler, task } = setUp({ maxConcurrentRuns: 1 });
    scheduler.register('a', { runOnStart: true, run: task('a') });
    scheduler.register('b', { run: task('b') });
    const waiting = scheduler.trigger('b', admin);
    await scheduler.unregister('b');
    expect(await waiting.done).toMatchObject({ status: 'aborted', abortedBy: 'unregistered' });
  });

  it('stop aborts everything and resolves at its deadline even when a task ignores its signal', async () => {
    const { clock, scheduler, calls, task } = setUp({ maxConcurrentRuns: 2 });
    scheduler.register('polite', { runOnStart: true, intervalMs: MINUTE, run: task('polite') });
    scheduler.register('stubborn', { runOnStart: true, run: task('stubborn', false) });
    scheduler.register('waiting', { run: task('waiting') });
    const waiting = scheduler.trigger('waiting', admin);

    const stopped = scheduler.stop({ deadlineMs: 5_000 });
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
    expect(await isPending(stopped)).toBe(true);
    expect(await waiting.done).toMatchObject({ runId: waiting.runId, status: 'aborted', abortedBy: 'stopped' });
    expect(scheduler.status('waiting')).toEqual({}); // a request that never ran is not a run
    expect(scheduler.status('polite').lastRun).toMatchObject({ status: 'aborted', abortedBy: 'stopped' });

    clock.advance(5_000);
    expect(await stopped).toEqual({ unsettled: ['stubborn'] });
    expect(clock.pending()).toEqual([]); // no schedule re-armed after stop
    expect(() => scheduler.trigger('polite', admin)).toThrow(expect.objectContaining({ code: 'SCHEDULER_STOPPED' }));
    expect(() => scheduler.register('new', { run: task('new') })).toThrow(expect.objectContaining({ code: 'SCHEDULER_STOPPED' }));
    expect(scheduler.stop()).toBe(stopped);
  });

  it('stop resolves as soon as every run has settled', async () => {
    const { scheduler, task } = setUp();
    scheduler.register('a', { runOnStart: true, run: task('a') });
    scheduler.register('b', { intervalMs: MINUTE, run: task('b') });
    expect(await scheduler.stop({ deadlineMs: 60_000 })).toEqual({ unsettled: [] });
  });
});

describe('resync scheduler: logs', () => {
  it('logs each run with its integration, trigger and outcome', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const clock = createManualClock();
    const scheduler = createResyncScheduler({ maxConcurrentRuns: 1, clock, logger });
    scheduler.register('github-acme', { run: async () => Promise.reject(new Error('rate limited')) });
    await scheduler.trigger('github-acme', admin).done;
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'resync started', integration: 'github-acme', trigger: admin }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'resync failed', level: 40, integration: 'github-acme', status: 'failed', error: 'rate limited' }));
  });
});

describe('resync scheduler: bad input', () => {
  it('rejects duplicate ids, bad intervals and a bad cap with stable codes', () => {
    const { scheduler, task } = setUp();
    scheduler.register('a', { run: task('a') });
    expect(() => scheduler.register('a', { run: task('a') })).toThrow(expect.objectContaining({ code: 'SCHEDULER_DUPLICATE_ID' }));
    for (const intervalMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => scheduler.register('b', { intervalMs, run: task('b') })).toThrow(expect.objectContaining({ code: 'SCHEDULER_INVALID_TASK', details: expect.objectContaining({ field: 'intervalMs' }) }));
    }
    expect(() => scheduler.register('c', {} as never)).toThrow(expect.objectContaining({ code: 'SCHEDULER_INVALID_TASK' }));
    expect(() => scheduler.trigger('nope', admin)).toThrow(expect.objectContaining({ code: 'SCHEDULER_UNKNOWN_ID' }));
    expect(() => createResyncScheduler({ maxConcurrentRuns: 0, logger: pino({ level: 'silent' }) })).toThrow(expect.objectContaining({ code: 'SCHEDULER_INVALID_TASK' }));
  });
});
