import { setFlagsFromString } from 'node:v8';
import { HEAP_GROWING_PERCENT, readHeapGrowingPercent } from './config/env-overrides.js';
import { MarinaError } from './errors.js';

/**
 * The daemon's V8 heap sizing. By default V8 lets the old generation grow up to 4× what was
 * live after the last full GC before collecting again; a resync's live set is small (pages in
 * flight and the change-detection ledger) but it allocates ~10 KB of short-lived objects per
 * record, and pages waiting on Port get promoted, so the heap fills with garbage: bench:resync
 * peaked at 342 MB RSS for 1,000,000 records, 158 MB of it heap with ~20 MB live. Growing by
 * 50% instead keeps the heap proportional to what is live (no hard cap, so a daemon with many
 * integrations never dies of a limit picked for one), for ~30% more GC time.
 *
 * `--heap-growing-percent` is a V8 flag Node refuses in NODE_OPTIONS, so it is set here, at
 * startup, with `v8.setFlagsFromString`; V8 reads it at every full GC, so it applies from the
 * first one on, to the main thread and the mapping workers alike.
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 50;

export interface HeapSettingsInput {
  env: Record<string, string | undefined>;
  /** The process's node flags (`process.execArgv`): an operator's own flag wins. */
  execArgv: readonly string[];
  /** Applies a V8 flag. @default v8.setFlagsFromString */
  setFlags?: (flags: string) => void;
}

export interface HeapSettings {
  /** The growing percent in force; undefined: V8's own heuristics. */
  heapGrowingPercent: number | undefined;
  source: 'default' | 'env' | 'node-flag';
}

/**
 * Applies the daemon's heap sizing unless the operator chose one: `--heap-growing-percent` on
 * node's command line wins, then MARINA_HEAP_GROWING_PERCENT (a whole number 1-1000, or 0 for
 * V8's own heuristics), then the default (50).
 */
export function applyHeapSettings(input: HeapSettingsInput): HeapSettings {
  const setFlags = input.setFlags ?? setFlagsFromString;
  const at = input.execArgv.findLastIndex((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg));
  if (at !== -1) {
    const arg = input.execArgv[at]!;
    const value = Number(arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : input.execArgv[at + 1]);
    return { heapGrowingPercent: Number.isInteger(value) && value > 0 ? value : undefined, source: 'node-flag' };
  }
  // Parsed by the config stage's reader, so `marina validate` reports a bad value the same way.
  const { value, problem } = readHeapGrowingPercent(input.env);
  if (problem) throw new MarinaError('CONFIG_INVALID', `${HEAP_GROWING_PERCENT} ${problem.message}`, { details: { variable: HEAP_GROWING_PERCENT } });
  const percent = value ?? DEFAULT_HEAP_GROWING_PERCENT;
  const source: HeapSettings['source'] = value === undefined ? 'default' : 'env';
  if (percent === 0) return { heapGrowingPercent: undefined, source };
  setFlags(`--heap-growing-percent=${percent}`);
  return { heapGrowingPercent: percent, source };
}
