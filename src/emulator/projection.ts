import type { RelationValue, StoredEntity } from './types.js';

/**
 * An entity as Port returns it, optionally narrowed by `include` / `exclude` paths such as
 * `identifier`, `properties.name`, `relations.owner` or the `$`-forms of meta fields. The
 * datasource is stored for searches but, as in Port, never part of the entity's JSON.
 */
export type EntityJson = Record<string, unknown>;

/** The full JSON of an entity, as Port answers a write or an unprojected read. */
export interface PortEntity {
  identifier: string;
  title?: string;
  icon?: string;
  team: string[];
  properties: Record<string, unknown>;
  relations: Record<string, RelationValue>;
  blueprint: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export function entityJson(entity: StoredEntity): PortEntity {
  const out: Record<string, unknown> = { identifier: entity.identifier };
  if (entity.title !== undefined) out['title'] = entity.title;
  if (entity.icon !== undefined) out['icon'] = entity.icon;
  out['team'] = entity.team;
  out['properties'] = entity.properties;
  out['relations'] = entity.relations;
  out['blueprint'] = entity.blueprint;
  out['createdAt'] = entity.createdAt;
  out['createdBy'] = entity.createdBy;
  out['updatedAt'] = entity.updatedAt;
  out['updatedBy'] = entity.updatedBy;
  return out as unknown as PortEntity;
}

function normalise(path: string): string[] {
  const bare = path.startsWith('$') ? path.slice(1) : path;
  return bare.split('.');
}

export interface Projection {
  include?: string[] | undefined;
  exclude?: string[] | undefined;
}

export function projectEntity(entity: StoredEntity, projection: Projection): EntityJson {
  const full = entityJson(entity) as unknown as EntityJson;
  let out: EntityJson = full;
  if (projection.include !== undefined && projection.include.length > 0) {
    out = {};
    for (const path of projection.include) {
      const [head, sub] = normalise(path);
      if (head === undefined || !(head in full)) continue;
      if (sub === undefined) {
        const value = full[head];
        // Copied so a later `exclude` never edits the stored entity.
        out[head] = head === 'properties' || head === 'relations' ? { ...(value as object) } : value;
      } else {
        const source = full[head] as Record<string, unknown> | undefined;
        if (source === undefined || !(sub in source)) continue;
        const target = (out[head] ??= {}) as Record<string, unknown>;
        target[sub] = source[sub];
      }
    }
  }
  if (projection.exclude !== undefined && projection.exclude.length > 0) {
    if (out === full) out = { ...full, properties: { ...entity.properties }, relations: { ...entity.relations } };
    for (const path of projection.exclude) {
      const [head, sub] = normalise(path);
      if (head === undefined) continue;
      if (sub === undefined) delete out[head];
      else if (out[head] !== undefined) delete (out[head] as Record<string, unknown>)[sub];
    }
  }
  return out;
}
