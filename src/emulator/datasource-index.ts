import sortedBtree from 'sorted-btree';
import type { StoredEntity } from './types.js';

// sorted-btree is CommonJS with `exports.default`: under Node's ESM the default import is the
// module object, so the class is its `default`.
const BTree = sortedBtree.default;
type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/**
 * The order every entity listing pages in: blueprint, then identifier. The NUL separator sorts
 * before any character an identifier may hold, so `a\0z` comes before `ab\0a`, as blueprint
 * order requires.
 */
export function listingKey(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

export interface DatasourcePageQuery {
  /** The datasource must start with this ('' for any). */
  prefix: string;
  /** The datasource must end with this ('' for any). */
  suffix: string;
  /** Only entities last written strictly before this epoch-ms instant. */
  before: number | undefined;
  /** The listing key of the last entity of the previous page (exclusive). */
  after: string | undefined;
  limit: number;
}

export interface DatasourcePage {
  entities: StoredEntity[];
  /** The listing key of the page's last entity when more entities match after it. */
  nextAfter: string | undefined;
}

/**
 * Entities by datasource (the User-Agent of their last write), each datasource's entities in
 * listing order in a B+ tree. Port's owned-entities listing filters on a datasource prefix and
 * suffix and pages by (blueprint, identifier): with this index a page costs the datasources
 * there are plus O(page · log n), where scanning the store cost every entity per page (an
 * unchanged resync of 1,000,000 entities spent minutes there).
 */
export interface DatasourceIndex {
  add(entity: StoredEntity): void;
  remove(entity: StoredEntity): void;
  clear(): void;
  page(query: DatasourcePageQuery): DatasourcePage;
}

export function createDatasourceIndex(): DatasourceIndex {
  const byDatasource = new Map<string, BTree<string, StoredEntity>>();

  /** The first `limit` matches of one datasource after `after`, in listing order. */
  function take(tree: BTree<string, StoredEntity>, query: DatasourcePageQuery, limit: number, into: [string, StoredEntity][]): void {
    let taken = 0;
    // `entries(low)` starts at `low` itself when it is present: the cursor entity is skipped.
    for (const [key, entity] of tree.entries(query.after)) {
      if (key === query.after) continue;
      if (query.before !== undefined && !(Date.parse(entity.updatedAt) < query.before)) continue;
      into.push([key, entity]);
      if (++taken === limit) return;
    }
  }

  return {
    add(entity) {
      let tree = byDatasource.get(entity.datasource);
      if (tree === undefined) {
        tree = new BTree<string, StoredEntity>();
        byDatasource.set(entity.datasource, tree);
      }
      tree.set(listingKey(entity.blueprint, entity.identifier), entity);
    },
    remove(entity) {
      const tree = byDatasource.get(entity.datasource);
      if (tree === undefined) return;
      tree.delete(listingKey(entity.blueprint, entity.identifier));
      if (tree.size === 0) byDatasource.delete(entity.datasource);
    },
    clear() {
      byDatasource.clear();
    },
    page(query) {
      // Each matching datasource gives at most limit + 1 candidates: the page's entities are
      // among them, and one more tells whether a next page exists.
      const candidates: [string, StoredEntity][] = [];
      let sources = 0;
      for (const [datasource, tree] of byDatasource) {
        if (!datasource.startsWith(query.prefix) || !datasource.endsWith(query.suffix)) continue;
        take(tree, query, query.limit + 1, candidates);
        sources++;
      }
      if (sources > 1) candidates.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const hasMore = candidates.length > query.limit;
      const pageItems = hasMore ? candidates.slice(0, query.limit) : candidates;
      const last = pageItems[pageItems.length - 1];
      return { entities: pageItems.map(([, entity]) => entity), nextAfter: hasMore && last !== undefined ? last[0] : undefined };
    },
  };
}
