import { createRateBudget } from './rate-budget.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('rate budget', () => {
  it('lets another integration through ahead of a long queue (fair lanes)', async () => {
    const budget = createRateBudget({ limits: false, concurrency: 2, perIntegrationConcurrency: 2 });
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const job = (integration: string, name: string) =>
      budget.run({ integration, family: 'entitiesBulkUpsert' }, () => {
        order.push(name);
        return new Promise<void>((resolve) => releases.push(resolve));
      });
    const big = Array.from({ length: 50 }, (_, i) => job('big', `big${i}`));
    await tick();
    const small = job('small', 'small');
    // Release the running work one request at a time and see where `small` lands.
    for (let i = 0; i < 6; i++) {
      await tick();
      releases.shift()?.();
      await tick();
    }
    expect(order.indexOf('small')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('small')).toBeLessThanOrEqual(4);
    while (releases.length > 0 || order.length < 51) {
      releases.shift()?.();
      await tick();
    }
    await Promise.all([...big, small]);
  });

  it('runs live work of an integration before its own queued resync work', async () => {
    const budget = createRateBudget({ limits: false, concurrency: 1, perIntegrationConcurrency: 1 });
    const order: string[] = [];
    const jobs = [
      budget.run({ integration: 'a', family: 'entities' }, async () => order.push('r1')),
      budget.run({ integration: 'a', family: 'entities' }, async () => order.push('r2')),
      budget.run({ integration: 'a', family: 'entities' }, async () => order.push('r3')),
      budget.run({ integration: 'a', family: 'entities', lane: 'live' }, async () => order.push('live')),
    ];
    await Promise.all(jobs);
    expect(order.indexOf('live')).toBeLessThan(order.indexOf('r3'));
  });

  it('holds requests to the bucket: burst at once, then the steady rate', async () => {
    let clock = 0;
    const budget = createRateBudget({
      now: () => clock,
      concurrency: 10,
      limits: { overrides: { entities: { limit: 10, burst: 3, periodSeconds: 1 } } },
    });
    let done = 0;
    const jobs = Array.from({ length: 5 }, () => budget.run({ integration: 'a', family: 'entities' }, async () => void done++));
    for (let i = 0; i < 5; i++) await tick();
    expect(done).toBe(3);
    clock = 200; // 10/s refills two tokens in 200 ms
    await Promise.all(jobs);
    expect(done).toBe(5);
  });

  it('gives the next token to a live request ahead of waiting resync requests', async () => {
    const budget = createRateBudget({ concurrency: 50, limits: { overrides: { entities: { limit: 50, burst: 1, periodSeconds: 1 } } } });
    const order: string[] = [];
    const resync = Array.from({ length: 5 }, (_, i) => budget.run({ integration: 'big', family: 'entities' }, async () => void order.push(`r${i}`)));
    for (let i = 0; i < 3; i++) await tick();
    const live = budget.run({ integration: 'small', family: 'entities', lane: 'live' }, async () => void order.push('live'));
    await Promise.all([...resync, live]);
    expect(order).toEqual(['r0', 'live', 'r1', 'r2', 'r3', 'r4']);
  });

  it('holds a few tokens back from a large bucket', async () => {
    let clock = 0;
    const budget = createRateBudget({ now: () => clock, concurrency: 200, limits: { overrides: { entities: { limit: 100, burst: 100, periodSeconds: 100 } } } });
    let done = 0;
    const jobs = Array.from({ length: 100 }, () => budget.run({ integration: 'a', family: 'entities' }, async () => void done++));
    for (let i = 0; i < 5; i++) await tick();
    expect(done).toBe(97);
    clock = 3000;
    await Promise.all(jobs);
  });

  it('pauses a family after a 429 and counts 429s', async () => {
    let clock = 1_000_000;
    const budget = createRateBudget({ now: () => clock, limits: false });
    budget.observe('entities', 429, { 'retry-after': '0.2' });
    let done = false;
    const job = budget.run({ integration: 'a', family: 'entities' }, async () => void (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    clock += 200;
    await job;
    expect(done).toBe(true);
    expect(budget.snapshot()).toMatchObject({ throttled: 1, sent: 1 });
    // Another family is not held by that pause.
    await budget.run({ integration: 'a', family: 'blueprints' }, async () => undefined);
  });

  it('lowers its tokens to what Port says remains', async () => {
    let clock = 0;
    const budget = createRateBudget({ now: () => clock, limits: { overrides: { entities: { limit: 1000, burst: 10, periodSeconds: 100 } } } });
    budget.observe('entities', 200, { 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '50' });
    let done = 0;
    const jobs = Array.from({ length: 3 }, () => budget.run({ integration: 'a', family: 'entities' }, async () => void done++));
    for (let i = 0; i < 5; i++) await tick();
    expect(done).toBe(1);
    clock = 2000;
    await Promise.all(jobs);
    expect(done).toBe(3);
  });

  it('learns the steady rate from the headers when it has no local model', async () => {
    let clock = 0;
    const budget = createRateBudget({ now: () => clock, limits: false });
    budget.observe('entitiesSearch', 200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '3000', 'x-ratelimit-period': '300', 'x-ratelimit-reset': '30' });
    let done = 0;
    const jobs = Array.from({ length: 2 }, () => budget.run({ integration: 'a', family: 'entitiesSearch' }, async () => void done++));
    for (let i = 0; i < 5; i++) await tick();
    expect(done).toBe(0);
    clock = 100; // 10 per second: one token
    await Promise.race(jobs);
    expect(done).toBe(1);
    clock = 200;
    await Promise.all(jobs);
    expect(done).toBe(2);
  });

  it('rejects a waiting job when its signal aborts', async () => {
    const budget = createRateBudget({ limits: false });
    budget.observe('entities', 429, { 'retry-after': '60' });
    const controller = new AbortController();
    const job = budget.run({ integration: 'a', family: 'entities', signal: controller.signal }, async () => 'ran');
    controller.abort(new Error('stop'));
    await expect(job).rejects.toThrow('stop');
  });
});
