import { createHash } from 'node:crypto';
import type { PortEntity } from './entity.js';

/**
 * A compact fingerprint of the entity fields a resync sets, so change detection can keep one
 * number per entity in memory instead of the entity.
 *
 * Normalisation, decided deliberately against Ocean's comparison (ocean-behavior.md 5.5):
 * - Only `title`, `icon`, `team`, `properties` and `relations` count; meta fields never do.
 * - Null values are dropped on both sides. Ocean ignores a Port-side null the source omits but
 *   treats a source-side null that Port omits as a change, which rewrites such entities on every
 *   resync; writing null over an absent key changes nothing, so it is not a change here.
 * - `team` is a set: a string equals a one-element list, order is ignored, an empty list is absent.
 * - Object keys are order-insensitive; array order matters (as in Ocean).
 * - An entity whose identifier is a search query has no digest (it is always written, as in Ocean).
 * - Port-side keys the mapping does not set count as a difference. With `merge` on, such an
 *   entity is rewritten with no visible effect; it costs a write, never a wrong result.
 *
 * The digest is the first 48 bits of a SHA-1 of the canonical JSON: a Number (no BigInt
 * allocation), and a changed entity goes unnoticed with probability 2^-48.
 */
export function entityDigest(entity: Pick<PortEntity, 'title' | 'icon' | 'team' | 'properties' | 'relations'>): number {
  const canonical: Record<string, unknown> = {};
  if (entity.title !== undefined && entity.title !== null) canonical.title = entity.title;
  if (entity.icon !== undefined && entity.icon !== null) canonical.icon = entity.icon;
  const team = normaliseTeam(entity.team);
  if (team !== undefined) canonical.team = team;
  const properties = dropNulls(entity.properties);
  if (properties !== undefined) canonical.properties = properties;
  const relations = dropNulls(entity.relations);
  if (relations !== undefined) canonical.relations = relations;
  return createHash('sha1').update(canonicalJson(canonical)).digest().readUIntBE(0, 6);
}

function normaliseTeam(team: unknown): unknown {
  if (team === undefined || team === null) return undefined;
  if (typeof team === 'string') return [canonicalJson(team)];
  if (Array.isArray(team)) return team.length === 0 ? undefined : [...team].map((t) => canonicalJson(t)).sort();
  return team;
}

function dropNulls(record: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (record === undefined || record === null) return undefined;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue;
    out[key] = value;
    any = true;
  }
  return any ? out : undefined;
}

/** JSON with object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}
