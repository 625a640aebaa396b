import { blueprintIdentifierProblem } from '../identifiers.js';
import { invalidRequest, notFound } from '../port-error.js';
import type { EmulatorState } from '../state.js';
import type { Blueprint } from '../types.js';

/** Query-string helpers: booleans arrive as "true"/"false", arrays as repeated keys. */
export type Query = Record<string, string | string[] | undefined>;

export function boolParam(query: Query, name: string, fallback: boolean): boolean {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`query parameter ${name} must be "true" or "false", got "${value}"`);
}

export function listParam(query: Query, name: string): string[] | undefined {
  const raw = query[name] ?? query[`${name}[]`];
  if (raw === undefined) return undefined;
  return Array.isArray(raw) ? raw : [raw];
}

export function requireBlueprint(state: EmulatorState, identifier: string): Blueprint {
  const blueprint = state.blueprints.get(identifier);
  if (blueprint === undefined) {
    const problem = blueprintIdentifierProblem(identifier);
    if (problem !== undefined) throw invalidRequest(`blueprint identifier "${identifier}" ${problem}`);
    throw notFound(`blueprint "${identifier}" does not exist`);
  }
  return blueprint;
}
