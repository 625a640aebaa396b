/**
 * The port-app-config ("mapping") model, as Ocean's pydantic models define it, and the shapes
 * the mapping stage returns.
 */

/** A search-query object: every leaf string is itself a jq program. */
export interface SearchQueryMapping {
  combinator: string;
  rules: (SearchRuleMapping | SearchQueryMapping)[];
  [extra: string]: unknown;
}

export interface SearchRuleMapping {
  property: string;
  operator: string;
  value: string;
  [extra: string]: unknown;
}

/**
 * The entity mapping. Only the keys present in the file are evaluated and sent, so optional keys
 * are genuinely absent when unset.
 */
export interface EntityMappings {
  identifier: string | SearchQueryMapping;
  blueprint: string;
  title?: string;
  icon?: string;
  team?: string | SearchQueryMapping;
  properties?: Record<string, string>;
  relations?: Record<string, string | SearchQueryMapping>;
}

export interface ResourceSelector {
  query: string;
  /** Plugin-specific selector fields (includedFiles, jql, ...) are kept as written. */
  [extra: string]: unknown;
}

export interface ResourceConfig {
  kind: string;
  selector: ResourceSelector;
  port: {
    entity: { mappings: EntityMappings };
    itemsToParse?: string;
    itemsToParseName: string;
    itemsToParseTopLevelTransform: boolean;
  };
}

export interface PortAppConfig {
  deleteDependentEntities: boolean;
  createMissingRelatedEntities: boolean;
  enableMergeEntity: boolean;
  entityDeletionThreshold: number;
  resources: ResourceConfig[];
  /** Integration-specific root keys (repositoryType, useDefaultBranch, ...), as written. */
  extra: Record<string, unknown>;
}

/** An entity in Port's JSON shape, with only the keys the mapping sets. */
export interface PortEntity {
  identifier: unknown;
  blueprint: unknown;
  title?: unknown;
  icon?: unknown;
  team?: unknown;
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
}

export interface ItemError {
  /** Index of the raw record in the page passed to `mapPage`. */
  index: number;
  message: string;
}

export interface MapCounts {
  /** Raw records received. */
  input: number;
  /** Items after itemsToParse expansion (equal to `input` without itemsToParse). */
  items: number;
  /** Entities that passed the selector. */
  mapped: number;
  /** Items whose selector gave false. */
  filtered: number;
  /** Items dropped because identifier or blueprint was empty (Ocean's "transformations failed"). */
  skipped: number;
  /** Items with an error (selector not boolean, record not an object, ...). */
  itemErrors: number;
}

/** One field that gave null (no output, an error, or null itself) for some items of a page. */
export interface MisconfiguredField {
  expression: string;
  /** Items whose entity has null in this field. */
  items: number;
  /** The identifier of one such entity, when it has one (a null identifier is itself a misconfiguration). */
  exampleIdentifier?: unknown;
  /** The blueprint of that entity, when it is a string. */
  exampleBlueprint?: string;
}

export interface MapPageResult {
  /** Entities whose selector passed, in input order. */
  passed: PortEntity[];
  /** Entities whose selector gave false; only filled with `parseAll` (live events delete these). */
  failed: PortEntity[];
  /** Field path (`properties.url`) → the jq expression that gave null, errored or gave nothing. */
  misconfigurations: Record<string, string>;
  /** The same fields with how many items left each null, and an example (for logs and counts). */
  misconfiguredFields: Record<string, MisconfiguredField>;
  itemErrors: ItemError[];
  counts: MapCounts;
}
