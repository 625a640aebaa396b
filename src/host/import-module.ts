import { pathToFileURL } from 'node:url';

/**
 * Imports a plugin's entry file and returns the module namespace. `fresh` asks for a new
 * module instance rather than the cached one (hot reload). Injectable, because the right way
 * to import differs between production (tsx for TypeScript) and jest (no loader hooks).
 */
export type ImportModule = (file: string, options: { fresh: boolean }) => Promise<unknown>;

/**
 * Production importer: TypeScript through tsx's `tsImport`, which compiles on the fly and gives a
 * fresh module graph on every call (so a reload sees changed helper files too); JavaScript through
 * native `import()` with a cache-busting query (only the entry file itself is re-evaluated).
 */
export function createDefaultImporter(parentUrl: string): ImportModule {
  let generation = 0;
  return async (file, { fresh }) => {
    const url = pathToFileURL(file);
    if (/\.[cm]?ts$/.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      return tsImport(url.href, { parentURL: parentUrl, tsconfig: false });
    }
    if (fresh) url.searchParams.set('marina-reload', String(++generation));
    return import(url.href);
  };
}
