import type { Emulator } from '../../../src/emulator/index.js';
import { createRandom } from '../../../plugins/fake/fake-random.js';

/**
 * The acceptance workload: 1,000 events for 50 resources, interleaved over 10
 * concurrent connections, and the state Port must hold once they are all applied.
 */
export const RESOURCES = 50;
export const EVENTS_PER_RESOURCE = 20;
export const CONNECTIONS = 10;

export type ItemEvent = { id: string; seq: number; state: string; archived?: boolean; action?: 'delete' };

/** A small seeded generator (the fake plugin's), so a failing run can be repeated exactly. */
export const random = createRandom;

/** Per resource, its events in the order the sender produces them; some archive or delete it. */
export function planEvents(prefix: string, seed: number): Map<string, ItemEvent[]> {
  const next = random(seed);
  const plan = new Map<string, ItemEvent[]>();
  for (let r = 0; r < RESOURCES; r++) {
    const id = `${prefix}-${String(r).padStart(2, '0')}`;
    plan.set(
      id,
      Array.from({ length: EVENTS_PER_RESOURCE }, (_, i) => {
        const roll = next();
        const event: ItemEvent = { id, seq: i + 1, state: `state-${Math.floor(next() * 1000)}` };
        if (roll < 0.1) event.action = 'delete';
        else if (roll < 0.2) event.archived = true;
        return event;
      }),
    );
  }
  return plan;
}

/** What Port must hold once every event is applied: the last event's state, or nothing. */
export function expectedState(plan: Map<string, ItemEvent[]>): Record<string, { seq: number; state: string } | null> {
  const expected: Record<string, { seq: number; state: string } | null> = {};
  for (const [id, events] of plan) {
    const last = events.at(-1)!;
    expected[id] = last.action === 'delete' || last.archived ? null : { seq: last.seq, state: last.state };
  }
  return expected;
}

/**
 * Sends every planned event over `CONNECTIONS` concurrent workers. Resources interleave in a
 * random order; a resource's next event is sent once its previous one was acknowledged, as a
 * sender that retries until acknowledged does. Failed requests (daemon down) are retried with
 * the same delivery id, against whatever URL `target()` gives by then.
 */
export async function sendAll(plan: Map<string, ItemEvent[]>, target: () => string, onAck: (acked: number) => void, options: { path: string; headers?: Record<string, string> }): Promise<void> {
  const next = random(99);
  const position = new Map([...plan.keys()].map((id) => [id, 0]));
  const busy = new Set<string>();
  let acked = 0;
  const pick = (): string | undefined => {
    const candidates = [...position].filter(([id, index]) => !busy.has(id) && index < plan.get(id)!.length).map(([id]) => id);
    return candidates.length === 0 ? undefined : candidates[Math.floor(next() * candidates.length)];
  };
  const deliver = async (event: ItemEvent): Promise<void> => {
    for (;;) {
      try {
        const response = await fetch(`${target()}${options.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-delivery-id': `${event.id}#${event.seq}`, ...options.headers },
          body: JSON.stringify(event),
        });
        await response.arrayBuffer();
        if (response.status === 202 || response.status === 200) return;
        if (response.status < 500) throw new Error(`delivery refused with ${response.status}`);
      } catch (error) {
        if ((error as Error).message.startsWith('delivery refused')) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const id = pick();
      if (id === undefined) {
        if (busy.size === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      busy.add(id);
      const index = position.get(id)!;
      await deliver(plan.get(id)![index]!);
      position.set(id, index + 1);
      busy.delete(id);
      onAck(++acked);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

/** What Port holds for each planned resource: its seq and state, or null when absent. */
export function portState(emulator: Emulator, plan: Map<string, ItemEvent[]>): Record<string, { seq: number; state: string } | null> {
  const state: Record<string, { seq: number; state: string } | null> = {};
  for (const id of plan.keys()) {
    const entity = emulator.entity('live-item', id);
    state[id] = entity === undefined ? null : { seq: entity.properties.seq as number, state: entity.properties.state as string };
  }
  return state;
}

