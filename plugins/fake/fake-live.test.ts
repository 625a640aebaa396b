import type { LiveEvent, LiveEventProcessor } from '../../src/sdk/index.js';
import { FAKE_SECRET_HEADER } from './fake-live.js';
import { collectPages, setUpFake } from './fake-test-support.js';

function liveEvent(body: unknown, headers: Record<string, string> = {}): LiveEvent {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { id: 'evt-1', path: '/fake', params: {}, query: {}, headers, body, rawBody, receivedAt: new Date(0) };
}

async function processor(config: Record<string, unknown> = {}): Promise<LiveEventProcessor> {
  const { instance } = await setUpFake(config);
  const [only] = instance.live ?? [];
  if (only === undefined) throw new Error('the fake plugin has no live processor');
  return only;
}

const request = (kind: string) => ({ kind, selector: { query: 'true' }, resourceIndex: 0, resource: {}, signal: new AbortController().signal });

describe('fake plugin: live events', () => {
  it('returns for an upsert the same record a resync produces', async () => {
    const live = await processor();
    const event = liveEvent({ kind: 'fake-person', id: 'emp-0000042' });
    expect(await live.validate?.(event)).toBe(true);
    expect(await live.kinds(event)).toEqual(['fake-person']);
    expect(live.resourceKey(event)).toBe('fake-person/emp-0000042');
    const { instance } = await setUpFake();
    const fromResync = (await collectPages(instance, 'fake-person')).flat().find((p) => p.id === 'emp-0000042');
    expect(await live.handle(event, request('fake-person'))).toEqual({ updated: [fromResync], deleted: [] });
  });

  it('reports a delete, and an id the fake API does not have, as deletions', async () => {
    const live = await processor();
    const deleted = await live.handle(liveEvent({ kind: 'fake-team', id: 'team-0003', action: 'delete' }), request('fake-team'));
    expect(deleted.updated).toEqual([]);
    expect(deleted.deleted).toEqual([expect.objectContaining({ id: 'team-0003', name: expect.any(String) })]);
    const gone = await live.handle(liveEvent({ kind: 'fake-team', id: 'team-9999' }), request('fake-team'));
    expect(gone).toEqual({ updated: [], deleted: [{ id: 'team-9999' }] });
  });

  it('rejects bodies that do not name a kind and an id', async () => {
    const live = await processor();
    for (const body of [null, [], { kind: 'fake-robot', id: 'x' }, { kind: 'fake-person' }, { kind: 'fake-person', id: 'emp-0000001', action: 'explode' }]) {
      expect(await live.validate?.(liveEvent(body))).toBe(false);
      expect(await live.kinds(liveEvent(body))).toEqual([]);
    }
  });

  it('requires the webhook secret when one is configured', async () => {
    const open = await processor();
    expect(await open.authenticate?.(liveEvent({ kind: 'fake-person', id: 'emp-0000001' }))).toBe(true);
    const guarded = await processor({ webhookSecret: 's3cret' });
    const body = { kind: 'fake-person', id: 'emp-0000001' };
    expect(await guarded.authenticate?.(liveEvent(body))).toBe(false);
    expect(await guarded.authenticate?.(liveEvent(body, { [FAKE_SECRET_HEADER]: 'wrong' }))).toBe(false);
    expect(await guarded.authenticate?.(liveEvent(body, { [FAKE_SECRET_HEADER]: 's3cret' }))).toBe(true);
  });
});
