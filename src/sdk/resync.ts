/** One raw record as the third-party API returned it. Must be a JSON object. */
export type RawRecord = Record<string, unknown>;

/** A page of raw records. Handlers yield pages so the host can apply back-pressure. */
export type RawPage = RawRecord[];

/**
 * The selector of a resource block in the port-app-config: `query` (a jq expression that must
 * give a boolean) plus any plugin-specific fields the mapping declares, such as GitHub's
 * `repoSearch` or Jira's `jql`.
 */
export interface KindSelector {
  query: string;
  [field: string]: unknown;
}

/** What the host passes to a resync handler for one resource block of the mapping. */
export interface ResyncRequest {
  /** The kind being resynced, as written in the mapping's `kind` field. */
  kind: string;
  /** The block's selector, including plugin-specific fields. */
  selector: KindSelector;
  /** The index of the resource block in the mapping (a kind may appear in several blocks). */
  resourceIndex: number;
  /** The whole resource block as written in the mapping, for plugins that read extra keys. */
  resource: Readonly<Record<string, unknown>>;
  /**
   * The mapping's integration-specific top-level keys, as written (Ocean's port-app-config
   * root fields such as GitHub's `repositoryType` or `organizations`). Empty when there are none.
   */
  mappingSettings?: Readonly<Record<string, unknown>>;
  /**
   * Fires when this resync is aborted (a newer resync of the same integration, shutdown, a
   * hot reload, or the per-page timeout). Pass it to every HTTP call and stop yielding.
   */
  signal: AbortSignal;
}

/**
 * Produces the raw records of one kind, page by page. The host pulls the next page only once
 * the previous one has been mapped and handed to ingestion, so a handler never needs to buffer.
 *
 * @example
 * async function* services({ selector, signal }: ResyncRequest) {
 *   for (let page = 1; ; page++) {
 *     const items = await api.listServices({ page, signal });
 *     if (items.length === 0) return;
 *     yield items;
 *   }
 * }
 */
export type ResyncHandler = (request: ResyncRequest) => AsyncIterable<RawPage>;
