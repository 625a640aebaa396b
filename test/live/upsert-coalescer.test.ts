import { createUpsertCoalescer } from '../../src/live/index.js';
import { upsertLiveEntities, type PortEntity } from '../../src/port/index.js';
import { identity, startPortFixture, type PortFixture } from './support/live-fixture.js';

let port: PortFixture;
beforeAll(async () => {
  port = await startPortFixture();
});
afterAll(async () => {
  await port.close();
});

const item = (id: string, seq: number): PortEntity => ({ identifier: id, blueprint: 'live-item', properties: { seq, state: `s${seq}` } });

describe('upsert coalescer', () => {
  test('events arriving together share bulk requests; two writes of one entity never share one and keep their order', async () => {
    const requests: string[][] = [];
    const coalescer = createUpsertCoalescer(
      async (entities) => {
        requests.push(entities.map((entity) => `${entity.identifier as string}#${(entity.properties as { seq: number }).seq}`));
        return upsertLiveEntities(port.client, identity('coalesce'), entities);
      },
      { maxInFlight: 1 },
    );
    const calls = [
      coalescer.upsert([item('c-0', 1)]),
      coalescer.upsert([item('c-1', 1)]),
      coalescer.upsert([item('c-2', 1)]),
      coalescer.upsert([item('c-3', 1), item('c-4', 1)]),
      coalescer.upsert([item('c-1', 2)]),
      coalescer.upsert([item('c-5', 1)]),
    ];
    const outcomes = await Promise.all(calls);
    expect(outcomes.map((list) => list.map((outcome) => outcome.status))).toEqual([['upserted'], ['upserted'], ['upserted'], ['upserted', 'upserted'], ['upserted'], ['upserted']]);
    // The first call leaves alone (nothing was waiting); the rest gather behind it, except the
    // second write of c-1, which goes in the request after the one carrying the first.
    expect(requests).toEqual([['c-0#1'], ['c-1#1', 'c-2#1', 'c-3#1', 'c-4#1', 'c-5#1'], ['c-1#2']]);
    expect(port.emulator.entity('live-item', 'c-1')?.properties).toEqual({ seq: 2, state: 's2' });
  });

  test('a failed request fails only the callers whose entities it carried', async () => {
    let calls = 0;
    const coalescer = createUpsertCoalescer(async (entities) => {
      calls++;
      if (calls === 2) throw new Error('connection reset');
      return upsertLiveEntities(port.client, identity('coalesce'), entities);
    }, { maxInFlight: 1 });
    const first = coalescer.upsert([item('f-1', 1)]);
    const second = coalescer.upsert([item('f-2', 1)]);
    await expect(first).resolves.toEqual([expect.objectContaining({ status: 'upserted' })]);
    await expect(second).rejects.toThrow('connection reset');
    await expect(coalescer.upsert([item('f-3', 1)])).resolves.toEqual([expect.objectContaining({ status: 'upserted' })]);
  });
});
