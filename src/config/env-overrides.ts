import type { HostConfig } from './host-config.js';
import type { Problem } from './problems.js';

/**
 * `MARINA_*` variables that override settings of the host config. They are read with the rest
 * of the config, so `marina validate` reports a bad value and `marina start` refuses it with the
 * same problem line (`environment: MARINA_LIVE_CONCURRENCY: must be a positive integer, got "abc"`).
 */

/** The `file` of problems found in environment variables. */
export const ENVIRONMENT = 'environment';

interface SettingOverride {
  variable: string;
  section: 'resync' | 'live';
  key: string;
  integer: boolean;
}

export const SETTING_OVERRIDES: readonly SettingOverride[] = [
  { variable: 'MARINA_MAX_CONCURRENT_RESYNCS', section: 'resync', key: 'maxConcurrent', integer: true },
  { variable: 'MARINA_RESYNC_PAGE_TIMEOUT_SECONDS', section: 'resync', key: 'pageTimeoutSeconds', integer: false },
  { variable: 'MARINA_LIVE_CONCURRENCY', section: 'live', key: 'concurrency', integer: true },
  { variable: 'MARINA_WEBHOOK_DEDUPE_MINUTES', section: 'live', key: 'dedupeMinutes', integer: false },
  { variable: 'MARINA_WEBHOOK_BODY_LIMIT_BYTES', section: 'live', key: 'bodyLimitBytes', integer: true },
];

export const HEAP_GROWING_PERCENT = 'MARINA_HEAP_GROWING_PERCENT';

type Env = Readonly<Record<string, string | undefined>>;
type Sections = { resync: Record<string, number>; live: Record<string, number> };

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * Returns `sections` with the overrides set in `env` applied, and a problem for each variable
 * that is set to something other than a positive number (integer where the setting is one).
 */
export function applySettingOverrides<T extends Sections>(sections: T, env: Env): { sections: T; problems: Problem[] } {
  const problems: Problem[] = [];
  const result = { ...sections, resync: { ...sections.resync }, live: { ...sections.live } };
  for (const override of SETTING_OVERRIDES) {
    const raw = env[override.variable];
    if (!isSet(raw)) continue;
    const value = Number(raw.trim());
    if (Number.isFinite(value) && value > 0 && (!override.integer || Number.isSafeInteger(value))) {
      result[override.section][override.key] = value;
    } else {
      problems.push({ file: ENVIRONMENT, path: override.variable, message: `must be a positive ${override.integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}` });
    }
  }
  return { sections: result, problems };
}

/**
 * `MARINA_HEAP_GROWING_PERCENT`: a whole number from 0 to 1000 (0: V8's own heap sizing).
 * `value` is undefined when the variable is not set.
 */
export function readHeapGrowingPercent(env: Env): { value?: number; problem?: Problem } {
  const raw = env[HEAP_GROWING_PERCENT];
  if (!isSet(raw)) return {};
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value > 1000) {
    return { problem: { file: ENVIRONMENT, path: HEAP_GROWING_PERCENT, message: `must be a whole number from 0 to 1000 (0: V8's own heap sizing), got ${JSON.stringify(raw)}` } };
  }
  return { value };
}

/**
 * The config with the overrides set in `env` applied, and every problem of the `MARINA_*`
 * variables (the heap setting is applied by main at startup; it is checked here too so that
 * `validate` reports it with the rest).
 */
export function applyEnvironment(config: HostConfig, env: Env): { config: HostConfig; problems: Problem[] } {
  const { sections, problems } = applySettingOverrides({ resync: config.resync, live: config.live }, env);
  const heap = readHeapGrowingPercent(env).problem;
  return { config: { ...config, resync: sections.resync, live: sections.live }, problems: [...problems, ...(heap ? [heap] : [])] };
}
