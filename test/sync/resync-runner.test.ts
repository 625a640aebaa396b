import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { IntegrationInstance, RawPage } from '../../src/sdk/index.js';
import { createResyncRunner, type ResyncRunnerOptions } from '../../src/sync/resync-runner.js';
import { createResyncProgress } from '../../src/sync/resync-progress.js';
import { eventually } from '../support/eventually.js';
import {
  createCapturingLogger,
  fakeIdentity,
  fakeInstance,
  provisionFake,
  seedOwned,
  SMALL_ORG,
  SMALL_ORG_TOTAL,
  startSyncFixture,
  type SyncFixture,
} from './support/sync-fixture.js';

let fixture: SyncFixture;
let tmp: string;
beforeAll(async () => {
  fixture = await startSyncFixture();
  tmp = await mkdtemp(path.join(tmpdir(), 'marina-runner-'));
});
afterAll(async () => {
  await fixture.close();
  await rm(tmp, { recursive: true, force: true });
});

function runnerFor(identifier: string, instance: IntegrationInstance | undefined, overrides: Partial<ResyncRunnerOptions> = {}) {
  const { logger, lines } = createCapturingLogger();
  const runner = createResyncRunner({
    integration: fakeIdentity(identifier),
    client: fixture.client,
    engine: fixture.engine,
    instance: () => instance,
    mapping: { source: 'port' },
    logger,
    intervalMinutes: 60,
    ...overrides,
  });
  return { runner, lines };
}

async function resyncState(identifier: string): Promise<Record<string, unknown>> {
  const response = await fixture.client.request<{ integration: { resyncState: Record<string, unknown> } }>({
    method: 'GET',
    path: `/v1/integration/${identifier}`,
    integration: fakeIdentity(identifier),
  });
  return response.body.integration.resyncState;
}

const owned = (identifier: string) => fixture.emulator.entities().filter((entity) => entity.datasource.endsWith(`/${identifier}/exporter`));

describe('resync runner', () => {
  test('a full resync loads every kind in mapping order with exact counts, reports state, and a repeat writes nothing', async () => {
    const id = 'runner-full';
    await provisionFake(fixture, fakeIdentity(id));
    const { runner } = runnerFor(id, await fakeInstance(SMALL_ORG));

    const first = await runner.run(new AbortController().signal);
    expect(first.errors).toEqual([]);
    expect(first.status).toBe('completed');
    expect(first.progress.kinds.map((block) => [block.kind, block.state, block.records, block.upserted, block.pages])).toEqual([
      ['fake-department', 'completed', 5, 5, 1],
      ['fake-office', 'completed', 3, 3, 1],
      ['fake-team', 'completed', 6, 6, 1],
      ['fake-person', 'completed', 60, 60, 6],
      ['fake-project', 'completed', 12, 12, 2],
    ]);
    expect(first.progress.totals).toEqual({ records: SMALL_ORG_TOTAL, mapped: SMALL_ORG_TOTAL, filtered: 0, skipped: 0, upserted: SMALL_ORG_TOTAL, unchanged: 0, failed: 0, deleted: 0 });
    expect(owned(id)).toHaveLength(SMALL_ORG_TOTAL);
    const state = await resyncState(id);
    expect(state).toMatchObject({ status: 'completed', intervalInMinuets: 60 });
    expect(typeof state.lastResyncEnd).toBe('string');
    expect(Date.parse(state.nextResync as string)).toBeGreaterThan(Date.now());

    const second = await runner.run(new AbortController().signal);
    expect(second.status).toBe('completed');
    expect(second.progress.totals).toMatchObject({ records: SMALL_ORG_TOTAL, upserted: 0, unchanged: SMALL_ORG_TOTAL, deleted: 0 });
  });

  test('stale entities are deleted and credited to the kind that maps their blueprint', async () => {
    const id = 'runner-stale';
    await provisionFake(fixture, fakeIdentity(id));
    await runnerFor(id, await fakeInstance(SMALL_ORG)).runner.run(new AbortController().signal);
    const fewer = { ...SMALL_ORG, entityCount: { ...SMALL_ORG.entityCount, 'fake-project': 9 } };
    const report = await runnerFor(id, await fakeInstance(fewer)).runner.run(new AbortController().signal);
    expect(report.status).toBe('completed');
    expect(report.reconciliation).toMatchObject({ verdict: 'allowed', deleted: 3 });
    expect(report.progress.kinds.find((block) => block.kind === 'fake-project')).toMatchObject({ records: 9, unchanged: 9, deleted: 3 });
    expect(report.progress.totals.deleted).toBe(3);
    expect(owned(id).filter((entity) => entity.blueprint === 'fake-project')).toHaveLength(9);
  });

  test('a plugin that throws half-way fails its kind, the other kinds complete, and nothing is deleted', async () => {
    const id = 'runner-throws';
    await provisionFake(fixture, fakeIdentity(id));
    await seedOwned(fixture, fakeIdentity(id), 'fake-project', [{ identifier: 'stale-project', blueprint: 'fake-project', title: 'Stale' }]);
    const { runner, lines } = runnerFor(id, await fakeInstance({ ...SMALL_ORG, failAtPage: 3, failKind: 'fake-person' }));
    const report = await runner.run(new AbortController().signal);
    expect(report.status).toBe('failed');
    expect(report.errors).toEqual([expect.objectContaining({ code: 'RESYNC_PLUGIN_FAILED', kind: 'fake-person', resourceIndex: 3 })]);
    expect(report.errors[0]!.message).toContain('page 3');
    const person = report.progress.kinds.find((block) => block.kind === 'fake-person')!;
    expect(person).toMatchObject({ state: 'failed', records: 20, upserted: 20, error: { code: 'RESYNC_PLUGIN_FAILED' } });
    expect(report.progress.kinds.filter((block) => block.state === 'completed')).toHaveLength(4);
    expect(report.reconciliation).toMatchObject({ performed: false, verdict: 'kind-errors', deleted: 0 });
    expect(fixture.emulator.entity('fake-project', 'stale-project')).toBeDefined();
    expect((await resyncState(id)).status).toBe('failed');
    expect(lines.join('')).toContain('kind failed');
  });

  test('a hung plugin is timed out per page, reported, and blocks deletions', async () => {
    const id = 'runner-hangs';
    await provisionFake(fixture, fakeIdentity(id));
    await seedOwned(fixture, fakeIdentity(id), 'fake-project', [{ identifier: 'stale-hang', blueprint: 'fake-project', title: 'Stale' }]);
    const { runner } = runnerFor(id, await fakeInstance({ ...SMALL_ORG, failAtPage: 2, failKind: 'fake-person', failMode: 'hang' }), { pageTimeoutMs: 300 });
    const report = await runner.run(new AbortController().signal);
    expect(report.status).toBe('failed');
    expect(report.errors).toEqual([expect.objectContaining({ code: 'RESYNC_PAGE_TIMEOUT', kind: 'fake-person' })]);
    expect(report.errors[0]!.message).toMatch(/produced no page 2 within 300 ms/);
    expect(report.progress.kinds.find((block) => block.kind === 'fake-project')).toMatchObject({ state: 'completed', upserted: 12 });
    expect(fixture.emulator.entity('fake-project', 'stale-hang')).toBeDefined();
  });

  test('a kind without a handler and bad records fail their kinds; good records are still loaded', async () => {
    const id = 'runner-bad';
    await provisionFake(fixture, fakeIdentity(id));
    const mapping = {
      resources: [
        { kind: 'widget', selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"', title: '.name' } } } },
        { kind: 'mystery', selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"' } } } },
        { kind: 'picky', selector: { query: '.archived' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"' } } } },
      ],
    };
    const file = path.join(tmp, 'bad.yml');
    await writeFile(file, toYaml(mapping));
    const instance: IntegrationInstance = {
      resync: {
        async *widget() {
          yield [{ id: 'w-1', name: 'One' }, 42, { id: 'w-2', name: 'Two' }] as unknown as RawPage;
        },
        async *picky() {
          yield [{ id: 'p-1', archived: true }, { id: 'p-2' }];
        },
      },
    };
    const report = await runnerFor(id, instance, { mapping: { source: 'file', file } }).runner.run(new AbortController().signal);
    expect(report.status).toBe('failed');
    expect(report.errors.map((error) => [error.kind, error.code])).toEqual([
      ['widget', 'RESYNC_BAD_RECORD'],
      ['mystery', 'RESYNC_KIND_NOT_IMPLEMENTED'],
      ['picky', 'RESYNC_BAD_RECORD'],
    ]);
    expect(report.errors[0]!.message).toContain('record 1');
    expect(report.errors[2]!.message).toContain("Expected boolean value for pattern '.archived'");
    expect(report.progress.kinds[0]).toMatchObject({ records: 3, mapped: 2, upserted: 2, failed: 1, state: 'failed' });
    expect(report.progress.kinds[2]).toMatchObject({ records: 2, mapped: 1, upserted: 1, failed: 1, state: 'failed' });
    expect(fixture.emulator.entity('fake-office', 'w-2')).toBeDefined();
    expect(report.reconciliation?.verdict).toBe('kind-errors');
  });

  test('an unreadable mapping fails the run with a message naming the source', async () => {
    const id = 'runner-no-mapping';
    const file = path.join(tmp, 'broken.yml');
    await writeFile(file, 'resources:\n  - kind: x\n    selector: {}\n');
    const report = await runnerFor(id, await fakeInstance(SMALL_ORG), { mapping: { source: 'file', file } }).runner.run(new AbortController().signal);
    expect(report.status).toBe('failed');
    expect(report.errors).toEqual([expect.objectContaining({ code: 'MAPPING_INVALID' })]);
    expect(report.errors[0]!.message).toContain(file);
    expect(report.errors[0]!.message).toContain('resources[0].selector.query');
  });

  test('an aborted run stops the plugin, deletes nothing and reports aborted', async () => {
    const id = 'runner-abort';
    await provisionFake(fixture, fakeIdentity(id));
    await seedOwned(fixture, fakeIdentity(id), 'fake-project', [{ identifier: 'stale-abort', blueprint: 'fake-project', title: 'Stale' }]);
    const progress = createResyncProgress();
    const controller = new AbortController();
    let pluginSignal: AbortSignal | undefined;
    const slow = await fakeInstance({ ...SMALL_ORG, pageLatencyMs: 50 });
    const instance: IntegrationInstance = {
      resync: new Proxy(slow.resync, {
        get(target, kind: string) {
          const handler = target[kind];
          return handler && ((request: Parameters<typeof handler>[0]) => ((pluginSignal = request.signal), handler(request)));
        },
      }),
    };
    const running = runnerFor(id, instance).runner.run(controller.signal, { progress });
    while ((progress.snapshot().kinds.find((block) => block.kind === 'fake-person')?.pages ?? 0) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('a newer resync was requested'));
    const report = await running;
    expect(report.status).toBe('aborted');
    expect(pluginSignal?.aborted).toBe(true);
    expect(report.progress.kinds.find((block) => block.kind === 'fake-person')?.state).toBe('aborted');
    expect(report.progress.kinds.find((block) => block.kind === 'fake-project')?.state).toBe('aborted');
    expect(report.reconciliation).toBeUndefined();
    expect(fixture.emulator.entity('fake-project', 'stale-abort')).toBeDefined();
    expect((await resyncState(id)).status).toBe('aborted');
  });

  test('pages are pulled with bounded look-ahead: page N+1 is fetched while page N loads, never more than two pages unloaded', async () => {
    const id = 'runner-backpressure';
    await provisionFake(fixture, fakeIdentity(id));
    const file = path.join(tmp, 'items.yml');
    await writeFile(file, toYaml({ resources: [{ kind: 'item', selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"' } } } }] }));
    const progress = createResyncProgress();
    const loadedWhenAsked: number[] = [];
    const PAGE = 25;
    const instance: IntegrationInstance = {
      resync: {
        async *item() {
          for (let page = 0; page < 8; page++) {
            const block = progress.snapshot().kinds[0]!;
            loadedWhenAsked.push(block.upserted + block.unchanged);
            yield Array.from({ length: PAGE }, (_, i) => ({ id: `bp-${page}-${i}` }));
          }
        },
      },
    };
    const report = await runnerFor(id, instance, { mapping: { source: 'file', file } }).runner.run(new AbortController().signal, { progress });
    expect(report.progress.totals.upserted).toBe(8 * PAGE);
    // Defaults: one page read ahead, two pages loading. Page k (0-based) is produced only once
    // page k-3 was loaded: at most page k-1 (being mapped) and page k-2 (loading) are pending...
    loadedWhenAsked.forEach((loaded, k) => expect(loaded).toBeGreaterThanOrEqual(Math.max(0, k - 2) * PAGE));
    // ...and before page k-1 was: the fetch overlaps the load.
    expect(loadedWhenAsked.slice(2).some((loaded, i) => loaded < (i + 2) * PAGE)).toBe(true);
  });

  test('a long resync logs a progress line per running kind at the configured cadence while the plugin runs', async () => {
    const id = 'runner-progress';
    await provisionFake(fixture, fakeIdentity(id));
    const file = path.join(tmp, 'progress.yml');
    const block = (kind: string) => ({ kind, selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"' } } } });
    await writeFile(file, toYaml({ resources: [block('quick'), block('slow')] }));
    let released = false;
    const instance: IntegrationInstance = {
      resync: {
        async *quick() {
          yield [{ id: 'quick-1' }];
        },
        // Yields small pages until the test has seen enough progress lines.
        async *slow({ signal }) {
          for (let page = 0; !released; page++) {
            yield [{ id: `slow-${page}` }];
            await new Promise((resolve) => setTimeout(resolve, 5));
            signal.throwIfAborted();
          }
        },
      },
    };
    const { runner, lines } = runnerFor(id, instance, { mapping: { source: 'file', file }, progressLogMs: 25 });
    const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const progressOf = (kind: string) => parsed().filter((line) => line['kind'] === kind && String(line['msg']).startsWith('resync progress'));
    const done = runner.run(new AbortController().signal);
    await eventually(() => progressOf('slow').length >= 3, 'three progress lines while the slow kind runs', 20_000);
    released = true;
    const report = await done;
    expect(report.status).toBe('completed');
    const slow = progressOf('slow');
    for (const line of slow) {
      expect(line).toMatchObject({ level: 30, resourceIndex: 1, records: expect.any(Number), upserted: expect.any(Number), unchanged: expect.any(Number), failed: 0, recordsPerSecond: expect.any(Number) });
      expect(line['msg']).toBe(`resync progress: slow ${String(line['records'])} records, ${String(line['upserted'])} upserted, ${String(line['unchanged'])} unchanged, 0 failed`);
    }
    const records = slow.map((line) => line['records'] as number);
    expect(records).toEqual([...records].sort((a, b) => a - b));
    // Only running kinds: no kind has a progress line after its "kind completed" line.
    const all = parsed();
    for (const kind of ['quick', 'slow']) {
      const completedAt = all.findIndex((line) => line['kind'] === kind && line['msg'] === 'kind completed');
      expect(completedAt).toBeGreaterThan(-1);
      expect(all.slice(completedAt).filter((line) => line['kind'] === kind && String(line['msg']).startsWith('resync progress'))).toEqual([]);
    }
  });

  test('secrets in a plugin error are masked before they reach the report and the logs', async () => {
    const id = 'runner-secret';
    await provisionFake(fixture, fakeIdentity(id));
    const secret = 'ghp_S3cr3tT0kenValue';
    const file = path.join(tmp, 'secret.yml');
    await writeFile(file, toYaml({ resources: [{ kind: 'repo', selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"' } } } }] }));
    const instance: IntegrationInstance = {
      resync: {
        // eslint-disable-next-line require-yield
        async *repo() {
          throw new Error(`GET https://api.example.test/repos failed with Authorization: token ${secret}`);
        },
      },
    };
    const { runner, lines } = runnerFor(id, instance, { mapping: { source: 'file', file }, redact: (text) => text.replaceAll(secret, '[REDACTED]') });
    const report = await runner.run(new AbortController().signal);
    expect(report.errors[0]!.message).toContain('token [REDACTED]');
    expect(JSON.stringify(report)).not.toContain(secret);
    expect(lines.join('')).not.toContain(secret);
  });

  test('a plugin that ignores its signal, throws when called or returns no iterable fails only its kind', async () => {
    const id = 'runner-rude';
    await provisionFake(fixture, fakeIdentity(id));
    const file = path.join(tmp, 'rude.yml');
    const block = (kind: string) => ({ kind, selector: { query: 'true' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"fake-office"' } } } });
    await writeFile(file, toYaml({ resources: [block('deaf'), block('thrower'), block('plain'), block('fine')] }));
    const instance = {
      resync: {
        async *deaf() {
          yield [{ id: 'deaf-1' }];
          // Never settles and never looks at the signal.
          await new Promise(() => undefined);
        },
        thrower() {
          throw new TypeError('cannot read properties of undefined (reading "token")');
        },
        plain() {
          return [{ id: 'not-paged' }];
        },
        async *fine() {
          yield [{ id: 'fine-1' }];
        },
      },
    } as unknown as IntegrationInstance;
    const report = await runnerFor(id, instance, { mapping: { source: 'file', file }, pageTimeoutMs: 200 }).runner.run(new AbortController().signal);
    expect(report.errors.map((error) => [error.kind, error.code])).toEqual([
      ['deaf', 'RESYNC_PAGE_TIMEOUT'],
      ['thrower', 'RESYNC_PLUGIN_FAILED'],
      ['plain', 'RESYNC_PLUGIN_FAILED'],
    ]);
    expect(report.errors[1]!.message).toContain('cannot read properties of undefined');
    expect(report.errors[2]!.message).toContain('did not return an async iterable of pages');
    expect(report.progress.kinds.map((kind) => [kind.kind, kind.state, kind.upserted])).toEqual([
      ['deaf', 'failed', 1],
      ['thrower', 'failed', 0],
      ['plain', 'failed', 0],
      ['fine', 'completed', 1],
    ]);
  });
});
