import { createDatasourceIndex, type DatasourceIndex } from './datasource-index.js';
import type { Blueprint, Integration, RelationValue, StoredEntity } from './types.js';

/**
 * The emulator's whole state, held in memory. Every change is a `StoreOp` so the same code path
 * applies a live request and replays the journal on start: what was acknowledged is exactly what
 * comes back after a restart.
 */
export type StoreOp =
  | { op: 'blueprint.put'; blueprint: Blueprint }
  | { op: 'blueprint.delete'; identifier: string }
  | { op: 'entity.put'; entity: StoredEntity }
  | { op: 'entity.delete'; blueprint: string; identifier: string }
  | { op: 'integration.put'; integration: Integration }
  | { op: 'integration.delete'; identifier: string }
  | { op: 'migration.put'; migration: Record<string, unknown> & { id: string } }
  | { op: 'record.append'; channel: string; key: string; values: unknown[] }
  | { op: 'record.set'; channel: string; key: string; values: unknown[] }
  | { op: 'reset' };

/** Ingested logs, metrics and examples are kept per key up to this many (newest win). */
export const RECORDS_PER_KEY = 1000;

export interface EmulatorState {
  blueprints: Map<string, Blueprint>;
  /** blueprint identifier → entity identifier → entity */
  entities: Map<string, Map<string, StoredEntity>>;
  integrations: Map<string, Integration>;
  migrations: Map<string, Record<string, unknown> & { id: string }>;
  /** `${channel}\u0000${key}` → values (logs, metrics, kinds examples) */
  records: Map<string, unknown[]>;
  /**
   * Reverse relation index: target entity key → keys of the entities that point at it. It makes
   * dependents checks and cascading deletes cost the number of referrers, not the store size.
   */
  referrers: Map<string, Set<string>>;
  /** Entities by datasource in listing order, for the owned-entities listing. */
  byDatasource: DatasourceIndex;
}

export function createState(): EmulatorState {
  return {
    blueprints: new Map(),
    entities: new Map(),
    integrations: new Map(),
    migrations: new Map(),
    records: new Map(),
    referrers: new Map(),
    byDatasource: createDatasourceIndex(),
  };
}

export function entityKey(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

export function splitEntityKey(key: string): { blueprint: string; identifier: string } {
  const at = key.indexOf('\u0000');
  return { blueprint: key.slice(0, at), identifier: key.slice(at + 1) };
}

export function recordKey(channel: string, key: string): string {
  return `${channel}\u0000${key}`;
}

export function getEntity(state: EmulatorState, blueprint: string, identifier: string): StoredEntity | undefined {
  return state.entities.get(blueprint)?.get(identifier);
}

export function relationTargets(value: RelationValue | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function forEachTarget(state: EmulatorState, entity: StoredEntity, visit: (targetKey: string) => void): void {
  const blueprint = state.blueprints.get(entity.blueprint);
  for (const [relation, value] of Object.entries(entity.relations)) {
    const target = blueprint?.relations[relation]?.target;
    if (target === undefined) continue;
    for (const id of relationTargets(value)) visit(entityKey(target, id));
  }
}

function unindex(state: EmulatorState, entity: StoredEntity): void {
  const source = entityKey(entity.blueprint, entity.identifier);
  forEachTarget(state, entity, (target) => {
    const set = state.referrers.get(target);
    if (set === undefined) return;
    set.delete(source);
    if (set.size === 0) state.referrers.delete(target);
  });
}

function index(state: EmulatorState, entity: StoredEntity): void {
  const source = entityKey(entity.blueprint, entity.identifier);
  forEachTarget(state, entity, (target) => {
    let set = state.referrers.get(target);
    if (set === undefined) {
      set = new Set();
      state.referrers.set(target, set);
    }
    set.add(source);
  });
}

/** Rebuilds the reverse index, needed when a blueprint's relations change under existing entities. */
export function reindexReferrers(state: EmulatorState): void {
  state.referrers.clear();
  for (const entities of state.entities.values()) for (const entity of entities.values()) index(state, entity);
}

export function applyOp(state: EmulatorState, op: StoreOp): void {
  switch (op.op) {
    case 'blueprint.put': {
      const before = state.blueprints.get(op.blueprint.identifier);
      state.blueprints.set(op.blueprint.identifier, op.blueprint);
      if (!state.entities.has(op.blueprint.identifier)) state.entities.set(op.blueprint.identifier, new Map());
      if (before !== undefined && JSON.stringify(before.relations) !== JSON.stringify(op.blueprint.relations)) {
        reindexReferrers(state);
      }
      return;
    }
    case 'blueprint.delete':
      state.blueprints.delete(op.identifier);
      for (const entity of state.entities.get(op.identifier)?.values() ?? []) state.byDatasource.remove(entity);
      state.entities.delete(op.identifier);
      return;
    case 'entity.put': {
      let entities = state.entities.get(op.entity.blueprint);
      if (entities === undefined) {
        entities = new Map();
        state.entities.set(op.entity.blueprint, entities);
      }
      const before = entities.get(op.entity.identifier);
      if (before !== undefined) {
        unindex(state, before);
        if (before.datasource !== op.entity.datasource) state.byDatasource.remove(before);
      }
      entities.set(op.entity.identifier, op.entity);
      index(state, op.entity);
      state.byDatasource.add(op.entity);
      return;
    }
    case 'entity.delete': {
      const entities = state.entities.get(op.blueprint);
      const before = entities?.get(op.identifier);
      if (before === undefined || entities === undefined) return;
      unindex(state, before);
      state.byDatasource.remove(before);
      entities.delete(op.identifier);
      return;
    }
    case 'integration.put':
      state.integrations.set(op.integration.identifier, op.integration);
      return;
    case 'integration.delete':
      state.integrations.delete(op.identifier);
      return;
    case 'migration.put':
      state.migrations.set(op.migration.id, op.migration);
      return;
    case 'record.append': {
      const key = recordKey(op.channel, op.key);
      const values = [...(state.records.get(key) ?? []), ...op.values];
      state.records.set(key, values.length > RECORDS_PER_KEY ? values.slice(-RECORDS_PER_KEY) : values);
      return;
    }
    case 'record.set':
      state.records.set(recordKey(op.channel, op.key), op.values.slice(-RECORDS_PER_KEY));
      return;
    case 'reset':
      state.blueprints.clear();
      state.entities.clear();
      state.integrations.clear();
      state.migrations.clear();
      state.records.clear();
      state.referrers.clear();
      state.byDatasource.clear();
      return;
  }
}

export function countEntities(state: EmulatorState): number {
  let total = 0;
  for (const entities of state.entities.values()) total += entities.size;
  return total;
}

export interface Snapshot {
  version: 1;
  blueprints: Blueprint[];
  entities: StoredEntity[];
  integrations: Integration[];
  migrations: (Record<string, unknown> & { id: string })[];
  records: [string, unknown[]][];
}

export function toSnapshot(state: EmulatorState): Snapshot {
  const entities: StoredEntity[] = [];
  for (const map of state.entities.values()) for (const entity of map.values()) entities.push(entity);
  return {
    version: 1,
    blueprints: [...state.blueprints.values()],
    entities,
    integrations: [...state.integrations.values()],
    migrations: [...state.migrations.values()],
    records: [...state.records.entries()],
  };
}

export function fromSnapshot(snapshot: Snapshot): EmulatorState {
  const state = createState();
  for (const blueprint of snapshot.blueprints) applyOp(state, { op: 'blueprint.put', blueprint });
  for (const entity of snapshot.entities) applyOp(state, { op: 'entity.put', entity });
  for (const integration of snapshot.integrations) state.integrations.set(integration.identifier, integration);
  for (const migration of snapshot.migrations) state.migrations.set(migration.id, migration);
  for (const [key, values] of snapshot.records) state.records.set(key, values);
  return state;
}
