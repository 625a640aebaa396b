/**
 * The fake integration's knobs, checked and resolved. The host validates the config against the
 * schema derived from `.port/spec.yaml`; this module checks again because tests and benchmarks
 * call `setup` directly, and because some rules (known kinds, Ocean's legacy knobs) do not fit a
 * spec.yaml declaration.
 */

export const FAKE_KINDS = ['fake-department', 'fake-person', 'fake-office', 'fake-team', 'fake-project'] as const;
export type FakeKind = (typeof FAKE_KINDS)[number];

export type FailMode = 'throw' | 'hang';

export interface FakeConfig {
  /** How many records each kind has before selector filtering. */
  entityCount: Record<FakeKind, number>;
  /** Target JSON size of each record in bytes; 0 keeps records at their natural size. */
  recordBytes: number;
  pageSize: number;
  pageLatencyMs: number;
  /** 1-based page at which the fake API fails; 0 never fails. */
  failAtPage: number;
  /** The kind that fails; `undefined` means every kind. */
  failKind: FakeKind | undefined;
  failMode: FailMode;
  seed: number;
}

/** A small organization a newcomer can browse: the sizes of Ocean's fake integration, fewer persons. */
export const DEFAULT_ENTITY_COUNT: Readonly<Record<FakeKind, number>> = Object.freeze({
  'fake-department': 5,
  'fake-person': 200,
  'fake-office': 8,
  'fake-team': 12,
  'fake-project': 40,
});

/** Thrown by {@link resolveFakeConfig}; lists every problem, each naming its field. */
export class FakeConfigError extends Error {
  override name = 'FakeConfigError';
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid fake integration config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

function isFakeKind(value: unknown): value is FakeKind {
  return typeof value === 'string' && (FAKE_KINDS as readonly string[]).includes(value);
}

function describe(value: unknown): string {
  return `${JSON.stringify(value) ?? String(value)} (${Array.isArray(value) ? 'array' : typeof value})`;
}

/**
 * Checks `raw` (the integration's `config`) and fills in defaults.
 * @throws FakeConfigError naming each invalid field.
 */
export function resolveFakeConfig(raw: Record<string, unknown> = {}): FakeConfig {
  const problems: string[] = [];

  const integer = (field: string, fallback: number, min: number): number => {
    const value = raw[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`\`${field}\` must be an integer >= ${min}, got ${describe(value)}`);
      return fallback;
    }
    return value;
  };
  // Ocean's knobs use -1 (or any value <= 0) for "use the default"; undefined when not positive.
  const legacyPositive = (field: string): number | undefined => {
    const value = raw[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      problems.push(`\`${field}\` must be an integer, got ${describe(value)}`);
      return undefined;
    }
    return value > 0 ? value : undefined;
  };

  const entityCount: Record<FakeKind, number> = { ...DEFAULT_ENTITY_COUNT };
  const counts = raw.entityCount;
  if (counts !== undefined && counts !== null) {
    if (typeof counts !== 'object' || Array.isArray(counts)) {
      problems.push(`\`entityCount\` must be an object of kind to count (kinds: ${FAKE_KINDS.join(', ')}), got ${describe(counts)}`);
    } else {
      for (const [kind, value] of Object.entries(counts)) {
        if (!isFakeKind(kind)) {
          problems.push(`\`entityCount.${kind}\` is not a kind of this integration (kinds: ${FAKE_KINDS.join(', ')})`);
        } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
          problems.push(`\`entityCount.${kind}\` must be an integer >= 0, got ${describe(value)}`);
        } else {
          entityCount[kind] = value;
        }
      }
    }
  }

  let recordSizeKb = integer('recordSizeKb', 0, 0);
  let pageSize = integer('pageSize', 100, 1);
  let pageLatencyMs = integer('pageLatencyMs', 0, 0);
  const failAtPage = integer('failAtPage', 0, 0);
  const seed = integer('seed', 1, 0);

  let failKind: FakeKind | undefined;
  const rawFailKind = raw.failKind;
  if (rawFailKind !== undefined && rawFailKind !== null && rawFailKind !== '') {
    if (isFakeKind(rawFailKind)) failKind = rawFailKind;
    else problems.push(`\`failKind\` must be one of ${FAKE_KINDS.join(', ')} (or empty for every kind), got ${describe(rawFailKind)}`);
  }

  let failMode: FailMode = 'throw';
  const rawFailMode = raw.failMode;
  if (rawFailMode !== undefined && rawFailMode !== null) {
    if (rawFailMode === 'throw' || rawFailMode === 'hang') failMode = rawFailMode;
    else problems.push(`\`failMode\` must be "throw" or "hang", got ${describe(rawFailMode)}`);
  }

  // Ocean's fake-integration knobs, so its config files work unchanged. They default to -1, so a
  // positive value was set on purpose and wins (the host may have filled in the newer knobs'
  // defaults, so "given" cannot be told from "defaulted" for those).
  const singleDepartmentRun = raw.singleDepartmentRun;
  if (singleDepartmentRun !== undefined && singleDepartmentRun !== null && typeof singleDepartmentRun !== 'boolean') {
    problems.push(`\`singleDepartmentRun\` must be a boolean, got ${describe(singleDepartmentRun)}`);
  } else if (singleDepartmentRun === true) {
    entityCount['fake-department'] = 1;
  }
  const entityAmount = legacyPositive('entityAmount');
  // Ocean's entityAmount is persons per department.
  if (entityAmount !== undefined) entityCount['fake-person'] = entityAmount * entityCount['fake-department'];
  recordSizeKb = legacyPositive('entityKbSize') ?? recordSizeKb;
  pageSize = legacyPositive('thirdPartyBatchSize') ?? pageSize;
  pageLatencyMs = legacyPositive('thirdPartyLatencyMS') ?? pageLatencyMs;

  if (problems.length > 0) throw new FakeConfigError(problems);
  return { entityCount, recordBytes: recordSizeKb * 1024, pageSize, pageLatencyMs, failAtPage, failKind, failMode, seed };
}
