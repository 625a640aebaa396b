import type { StoredEntity } from './types.js';

/**
 * An entity as Port returns it, optionally narrowed by `include` / `exclude` paths such as
 * `identifier`, `properties.name`, `relations.owner` or the `$`-forms of meta fields. The
 * datasource is stored for searches but, as in Port, never part of the entity's JSON.
 */
export type EntityJson = Record<string, unknown>;

export function entityJson(entity: StoredEntity): EntityJson {
  const out: EntityJson = { identifier: entity.identifier };
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
  return out;
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
  const full = entityJson(entity);
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
