/**
 * A Port entity as the mapping stage produces it: only the keys the mapping sets. `identifier`,
 * relation values and `team` may be search queries, which Port resolves.
 */
export interface PortEntity {
  identifier: string | SearchQuery;
  blueprint: string;
  title?: string | null;
  icon?: string | null;
  team?: string | string[] | SearchQuery | null;
  properties?: Record<string, unknown>;
  relations?: Record<string, string | string[] | SearchQuery | null>;
}

/** Port's search-query object: `{ combinator, rules }`. */
export interface SearchQuery {
  combinator: 'and' | 'or';
  rules: unknown[];
  [key: string]: unknown;
}

/** An entity's place in Port: blueprint plus literal identifier. */
export interface EntityRef {
  blueprint: string;
  identifier: string;
}

/** A Map/Set key for an entity reference. NUL cannot occur in Port identifiers. */
export function refKey(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

export function parseRefKey(key: string): EntityRef {
  const at = key.indexOf('\u0000');
  return { blueprint: key.slice(0, at), identifier: key.slice(at + 1) };
}

export function isSearchQuery(value: unknown): value is SearchQuery {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'rules' in value;
}
