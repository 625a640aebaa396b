import type { KindSelector } from '../../../src/sdk/index.js';

/**
 * Ocean's selector options for each kind, with Ocean's defaults. A wrong value fails the kind
 * with a message naming the kind, the option and what was expected (Ocean's pydantic would
 * refuse the whole mapping; Marina fails only that kind).
 */

export class SelectorError extends Error {
  override name = 'SelectorError';
}

type Reader = {
  bool(name: string, fallback: boolean): boolean;
  int(name: string, fallback: number, min?: number, max?: number): number;
  str(name: string): string | undefined;
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  listOf<T extends string>(name: string, values: readonly T[] | undefined, fallback: T[]): T[];
  strings(name: string): string[] | undefined;
  raw(name: string): unknown;
};

export function selectorReader(kind: string, selector: KindSelector): Reader {
  const fail = (name: string, expected: string, value: unknown): never => {
    throw new SelectorError(`selector.${name} of kind "${kind}" must be ${expected}, got ${JSON.stringify(value)}`);
  };
  return {
    bool(name, fallback) {
      const value = selector[name];
      if (value === undefined || value === null) return fallback;
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail(name, 'true or false', value);
    },
    int(name, fallback, min, max) {
      const value = selector[name];
      if (value === undefined || value === null) return fallback;
      const number = typeof value === 'string' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isInteger(number) || (min !== undefined && number < min) || (max !== undefined && number > max)) {
        return fail(name, `an integer${min !== undefined ? ` >= ${min}` : ''}${max !== undefined ? ` and <= ${max}` : ''}`, value);
      }
      return number;
    },
    str(name) {
      const value = selector[name];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string') return fail(name, 'a string', value);
      return value;
    },
    oneOf(name, values, fallback) {
      const value = selector[name];
      if (value === undefined || value === null) return fallback;
      if (typeof value !== 'string' || !values.includes(value as never)) return fail(name, `one of ${values.join(', ')}`, value);
      return value as never;
    },
    listOf(name, values, fallback) {
      const value = selector[name];
      if (value === undefined || value === null) return fallback;
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || (values !== undefined && !values.includes(item as never)))) {
        return fail(name, values ? `a list of ${values.join(', ')}` : 'a list of strings', value);
      }
      return value as never;
    },
    strings(name) {
      const value = selector[name];
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return fail(name, 'a list of strings', value);
      return value as string[];
    },
    raw(name) {
      return selector[name];
    },
  };
}

/** `repoSearch: { query: "..." }`: GitHub repository search (the `org:` qualifier is added). */
export function repoSearchOf(kind: string, selector: KindSelector): string | undefined {
  const value = selector['repoSearch'];
  if (value === undefined || value === null) return undefined;
  const query = (value as { query?: unknown }).query;
  if (typeof value !== 'object' || typeof query !== 'string') throw new SelectorError(`selector.repoSearch of kind "${kind}" must be { query: "<GitHub search qualifiers>" }, got ${JSON.stringify(value)}`);
  return query.trim();
}

/** A repository (and optional branch) a folder or file pattern applies to. */
export interface RepoBranch {
  name: string;
  branch?: string;
}

export function repoBranchList(kind: string, field: string, value: unknown): RepoBranch[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new SelectorError(`selector.${field} of kind "${kind}" must be a list of { name, branch? }`);
  return value.map((item, index) => {
    if (typeof item === 'string') return { name: item };
    const name = (item as { name?: unknown })?.name;
    const branch = (item as { branch?: unknown })?.branch;
    if (typeof name !== 'string' || (branch !== undefined && branch !== null && typeof branch !== 'string')) {
      throw new SelectorError(`selector.${field}[${index}] of kind "${kind}" must be { name: string, branch?: string }, got ${JSON.stringify(item)}`);
    }
    return typeof branch === 'string' ? { name, branch } : { name };
  });
}
