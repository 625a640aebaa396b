import { blueprintIdOf, classifyMisconfigurations, type BlueprintRequirements } from './misconfigurations.js';
import type { MisconfiguredField, ResourceConfig } from './types.js';

/**
 * Mapping misconfigurations as operators see them (ocean-behavior.md §4.1 step 8): the fields
 * whose jq gave null, per resource block, ERROR when the blueprint requires the field and
 * WARNING otherwise. Ocean logs one line per field per batch; a resync of a million records then
 * logs thousands of identical lines. Here each field of each block is counted over the whole
 * run (or, for live events, over a time window) and logged once with the count and an example.
 */

export type MisconfigurationSeverity = 'error' | 'warning';

/** One misconfigured field of one resource block, as the run record and the API show it. */
export interface MisconfigurationSummary {
  kind: string;
  resourceIndex: number;
  /** The field path: `properties.url`, `relations.owner`, `identifier`. */
  field: string;
  expression: string;
  severity: MisconfigurationSeverity;
  /** Items (records, or `itemsToParse` elements) whose entity got null in this field. */
  count: number;
  /** The identifier of one of those entities, when it has one. */
  example?: string;
  /** The blueprint the severity was judged against, when one is known. */
  blueprint?: string;
}

/** The slice of a logger the tracker writes to. */
export interface MisconfigurationLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface MisconfigurationTrackerOptions {
  logger: MisconfigurationLogger;
  /**
   * Reads a blueprint from Port. `undefined` (not found) or a rejection makes the fields of that
   * blueprint warnings, as in Ocean. Called at most once per blueprint per `blueprintTtlMs`, and
   * only when some field of that blueprint is misconfigured.
   */
  readBlueprint(identifier: string): Promise<BlueprintRequirements | undefined>;
  /** Told of every counted occurrence once its severity is known (metrics). */
  onCount?(kind: string, severity: MisconfigurationSeverity, count: number): void;
  /** How long a blueprint read (and the severities judged from it) is reused. @default Infinity (a resync's tracker lives one run) */
  blueprintTtlMs?: number;
  /**
   * A field already logged is logged again only this long after its previous line, with what
   * was counted meanwhile. @default Infinity: once per tracker, unless a flush is forced
   */
  logIntervalMs?: number;
  /** What the counts belong to, in log lines: `resync` or `live events`. */
  scope: string;
  /** Masks secrets in the example identifiers the summaries carry (logs are masked by the logger). */
  redact?: (text: string) => string;
  now?: () => number;
}

export interface MisconfigurationTracker {
  /**
   * Counts the misconfigured fields of one mapped page (or live event) of a resource block and
   * judges new fields against the blueprint. Never rejects.
   */
  add(resource: ResourceConfig, resourceIndex: number, fields: Readonly<Record<string, MisconfiguredField>>): Promise<void>;
  /**
   * Logs one line per field with occurrences not logged yet, unless the field was logged less
   * than `logIntervalMs` ago (`force` ignores that). `resourceIndex` limits it to one block.
   */
  flush(options?: { resourceIndex?: number; force?: boolean }): void;
  /** Every field counted so far (of one block, when given), in the order they were first seen. */
  summaries(resourceIndex?: number): MisconfigurationSummary[];
}

interface Entry {
  summary: MisconfigurationSummary;
  /** Occurrences since the last log line. */
  unlogged: number;
  loggedAt: number | undefined;
  judgedAt: number;
  /** The current judgement against the blueprint; counts wait for it, so metrics get the right severity. */
  judged: Promise<void>;
}

export function createMisconfigurationTracker(options: MisconfigurationTrackerOptions): MisconfigurationTracker {
  const { logger, scope } = options;
  const now = options.now ?? Date.now;
  const blueprintTtlMs = options.blueprintTtlMs ?? Number.POSITIVE_INFINITY;
  const logIntervalMs = options.logIntervalMs ?? Number.POSITIVE_INFINITY;
  const redact = options.redact ?? ((text: string) => text);
  const entries = new Map<string, Entry>();
  const blueprints = new Map<string, { at: number; requirements: Promise<BlueprintRequirements | undefined> }>();

  const requirementsOf = (identifier: string): Promise<BlueprintRequirements | undefined> => {
    const cached = blueprints.get(identifier);
    if (cached !== undefined && now() - cached.at < blueprintTtlMs) return cached.requirements;
    const requirements = options.readBlueprint(identifier).catch((error: unknown) => {
      logger.debug({ blueprint: identifier, err: error instanceof Error ? error.message : String(error) }, 'could not read the blueprint to judge mapping misconfigurations; reporting them as warnings');
      return undefined;
    });
    blueprints.set(identifier, { at: now(), requirements });
    return requirements;
  };

  const judge = async (entry: Entry): Promise<void> => {
    const { blueprint, field, expression } = entry.summary;
    entry.judgedAt = now();
    const requirements = blueprint === undefined ? undefined : await requirementsOf(blueprint);
    entry.summary.severity = classifyMisconfigurations({ [field]: expression }, requirements)[0]!.level;
  };

  const write = (entry: Entry, at: number): void => {
    const { kind, resourceIndex, field, expression, severity, example, blueprint, count } = entry.summary;
    const repeated = entry.loggedAt !== undefined;
    const items = `${entry.unlogged} item${entry.unlogged === 1 ? '' : 's'}`;
    const message =
      `mapping of kind "${kind}" (resource ${resourceIndex}) gave null for ${field} (${expression}) in ${items}` +
      `${repeated ? ` since the previous report (${count} in all)` : ''}${example === undefined ? '' : `, e.g. "${example}"`}: ` +
      (severity === 'error' ? `blueprint "${blueprint}" requires ${field}` : 'the expression gave null, no output or an error');
    const line = { kind, resourceIndex, field, expression, severity, count: entry.unlogged, total: count, ...(example === undefined ? {} : { example }), ...(blueprint === undefined ? {} : { blueprint }), scope };
    if (severity === 'error') logger.error(line, message);
    else logger.warn(line, message);
    entry.unlogged = 0;
    entry.loggedAt = at;
  };

  return {
    async add(resource, resourceIndex, fields) {
      const counted: { entry: Entry; count: number }[] = [];
      const judging: Promise<void>[] = [];
      const constant = blueprintIdOf(resource);
      for (const [field, detail] of Object.entries(fields)) {
        if (detail.items <= 0) continue;
        const key = `${resourceIndex}\u0000${resource.kind}\u0000${field}`;
        let entry = entries.get(key);
        if (entry === undefined) {
          const blueprint = constant ?? detail.exampleBlueprint;
          entry = {
            summary: { kind: resource.kind, resourceIndex, field, expression: detail.expression, severity: 'warning', count: 0, ...(blueprint === undefined ? {} : { blueprint }) },
            unlogged: 0,
            loggedAt: undefined,
            judgedAt: Number.NEGATIVE_INFINITY,
            judged: Promise.resolve(),
          };
          entries.set(key, entry);
        }
        if (entry.summary.example === undefined && detail.exampleIdentifier !== undefined) entry.summary.example = redact(exampleText(detail.exampleIdentifier));
        // A mapping edited meanwhile (live events outlive one mapping read) shows its new expression.
        entry.summary.expression = detail.expression;
        entry.summary.count += detail.items;
        entry.unlogged += detail.items;
        if (entry.judgedAt === Number.NEGATIVE_INFINITY || now() - entry.judgedAt >= blueprintTtlMs) entry.judged = judge(entry);
        judging.push(entry.judged);
        counted.push({ entry, count: detail.items });
      }
      await Promise.all(judging);
      for (const { entry, count } of counted) options.onCount?.(entry.summary.kind, entry.summary.severity, count);
    },

    flush(flushOptions = {}) {
      const at = now();
      for (const entry of entries.values()) {
        if (entry.unlogged === 0) continue;
        if (flushOptions.resourceIndex !== undefined && entry.summary.resourceIndex !== flushOptions.resourceIndex) continue;
        if (flushOptions.force !== true && entry.loggedAt !== undefined && at - entry.loggedAt < logIntervalMs) continue;
        write(entry, at);
      }
    },

    summaries(resourceIndex) {
      const out: MisconfigurationSummary[] = [];
      for (const entry of entries.values()) {
        if (resourceIndex === undefined || entry.summary.resourceIndex === resourceIndex) out.push({ ...entry.summary });
      }
      return out;
    },
  };
}

/** An identifier as text for logs: strings as they are, search queries as JSON, cut short. */
function exampleText(identifier: unknown): string {
  const text = typeof identifier === 'string' ? identifier : (JSON.stringify(identifier) ?? String(identifier));
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
