import type { PortEntity, UpsertOutcome } from '../port/index.js';

/**
 * Joins the upserts of events handled at the same moment into shared bulk requests. Up to
 * `maxInFlight` requests run at once; while they do, new entities gather and leave together in
 * the next one. At low load every event still goes out at once, alone; at high load one request
 * carries many events, which is what lets one integration take hundreds of events a second
 * without as many requests to Port. Each caller gets back the outcomes of its own entities.
 */
export interface UpsertCoalescer {
  upsert(entities: readonly PortEntity[]): Promise<UpsertOutcome[]>;
}

interface Waiting {
  entities: readonly PortEntity[];
  resolve: (outcomes: UpsertOutcome[]) => void;
  reject: (error: unknown) => void;
}

const keyOf = (entity: PortEntity): string => `${entity.blueprint}\u0000${typeof entity.identifier === 'string' ? entity.identifier : JSON.stringify(entity.identifier)}`;

export function createUpsertCoalescer(send: (entities: PortEntity[]) => Promise<UpsertOutcome[]>, options: { maxInFlight?: number; maxEntities?: number } = {}): UpsertCoalescer {
  const maxInFlight = options.maxInFlight ?? 4;
  const maxEntities = options.maxEntities ?? 100;
  let waiting: Waiting[] = [];
  let inFlight = 0;

  /** Entities of requests on the wire: a second write of one waits until the first is answered. */
  const busy = new Map<string, number>();

  const launch = (): void => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const round: Waiting[] = [];
      const later: Waiting[] = [];
      // Keys taken by this round, by requests on the wire, or by an earlier deferred entry (so
      // two writes of one entity keep their order and never share a request).
      const taken = new Set<string>(busy.keys());
      let size = 0;
      for (const entry of waiting) {
        const keys = entry.entities.map(keyOf);
        const fits = round.length === 0 || size + entry.entities.length <= maxEntities;
        if (!fits || keys.some((key) => taken.has(key))) later.push(entry);
        else {
          round.push(entry);
          size += entry.entities.length;
        }
        for (const key of keys) taken.add(key);
      }
      waiting = later;
      if (round.length === 0) return;
      inFlight++;
      const entities = round.flatMap((entry) => entry.entities);
      const keys = entities.map(keyOf);
      for (const key of keys) busy.set(key, (busy.get(key) ?? 0) + 1);
      send(entities)
        .then(
          (outcomes) => {
            const byEntity = new Map<PortEntity, UpsertOutcome>();
            for (const outcome of outcomes) byEntity.set(outcome.entity, outcome);
            for (const entry of round) {
              entry.resolve(entry.entities.map((entity) => byEntity.get(entity) ?? { status: 'failed', entity, statusCode: undefined, error: 'no_result', message: 'The bulk upsert returned no outcome for this entity' }));
            }
          },
          (error: unknown) => {
            for (const entry of round) entry.reject(error);
          },
        )
        .finally(() => {
          for (const key of keys) {
            const count = busy.get(key)! - 1;
            if (count === 0) busy.delete(key);
            else busy.set(key, count);
          }
          inFlight--;
          launch();
        });
    }
  };

  return {
    upsert(entities) {
      if (entities.length === 0) return Promise.resolve([]);
      return new Promise<UpsertOutcome[]>((resolve, reject) => {
        waiting.push({ entities, resolve, reject });
        launch();
      });
    },
  };
}
