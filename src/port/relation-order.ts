import { canonicalJson } from './entity-digest.js';
import { isSearchQuery, type PortEntity } from './entity.js';

/**
 * Orders entities by their relations (ocean-behavior.md 5.7): an entity goes after every entity
 * of the set that it points at. Nodes are identifiers (blueprint not considered, as in Ocean);
 * a search-query identifier is keyed by its canonical JSON, and a relation given as a search
 * query depends on the `$identifier = value` rules inside it. Self-references are ignored.
 *
 * Ocean gives up on any cycle and falls back to the original order for the whole set. Here the
 * acyclic part is still ordered in layers; only the entities caught in (or behind) a cycle come
 * last, in their original order.
 */
export interface RelationOrder<T> {
  /** Each layer depends only on earlier layers, so a layer's entities may be sent together. */
  layers: T[][];
  /** Entities on or behind a cycle, in original order. */
  cyclic: T[];
}

export function orderByRelations<T extends Pick<PortEntity, 'identifier' | 'relations'>>(entities: readonly T[]): RelationOrder<T> {
  const keyOf = (entity: T): string => (typeof entity.identifier === 'string' ? entity.identifier : canonicalJson(entity.identifier));
  const present = new Set(entities.map(keyOf));
  const dependencies = entities.map((entity) => {
    const own = keyOf(entity);
    const targets = new Set<string>();
    for (const value of Object.values(entity.relations ?? {})) collectTargets(value, targets);
    return [...targets].filter((target) => target !== own && present.has(target));
  });

  // Kahn's algorithm by layers. Several entities may share an identifier (different
  // blueprints); a dependency is met once every entity with that identifier is placed.
  const remainingByKey = new Map<string, number>();
  for (const entity of entities) remainingByKey.set(keyOf(entity), (remainingByKey.get(keyOf(entity)) ?? 0) + 1);
  const placed = new Array<boolean>(entities.length).fill(false);
  const layers: T[][] = [];
  for (;;) {
    const layer: number[] = [];
    entities.forEach((_, index) => {
      if (!placed[index] && dependencies[index]!.every((target) => remainingByKey.get(target) === 0)) layer.push(index);
    });
    if (layer.length === 0) break;
    for (const index of layer) {
      placed[index] = true;
      const key = keyOf(entities[index]!);
      remainingByKey.set(key, remainingByKey.get(key)! - 1);
    }
    layers.push(layer.map((index) => entities[index]!));
  }
  const cyclic = entities.filter((_, index) => !placed[index]);
  return { layers, cyclic };
}

/** The literal identifiers a relation value points at. */
export function collectTargets(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTargets(item, into);
  } else if (isSearchQuery(value)) {
    for (const rule of value.rules) {
      if (isSearchQuery(rule)) collectTargets(rule, into);
      else if (typeof rule === 'object' && rule !== null) {
        const { property, operator, value: ruleValue } = rule as { property?: unknown; operator?: unknown; value?: unknown };
        if (property === '$identifier' && operator === '=' && typeof ruleValue === 'string') into.add(ruleValue);
      }
    }
  }
}
