import { availableParallelism } from 'node:os';
import type { PluginLogger } from '../sdk/index.js';
import { planResource, pythonTruthy, type FieldSpec, type ResourcePlan, type Template } from './compile-resource.js';
import { Bailout, JqRuntimeError } from './jq/values.js';
import { CellError, NO_OUTPUT, createEvaluator, type Cell, type CompiledProgram, type EngineChoice } from './evaluator.js';
import type { ItemError, MapPageResult, MisconfiguredField, PortEntity, ResourceConfig } from './types.js';
import { createJqPool, type JqPool } from './wasm/jq-pool.js';

/**
 * The mapping stage: raw records in, Port entities out, with Ocean's semantics (see
 * ocean-behavior.md §4). One engine serves every integration in the process; it holds the jq
 * worker pool and a cache of compiled programs keyed by program text.
 */

export interface MappingEngineOptions {
  /** jq-wasm worker threads (default: cores − 1, at least 2). They start on first use. */
  workers?: number;
  /** Let mappings read the process environment through `env` / `$ENV` (Ocean's
   * `allow_environment_variables_jq_access`). Off by default: the environment holds secrets. */
  allowEnv?: boolean;
  /** The environment shown when `allowEnv` is on (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** `auto`: fast path where it applies, jq-wasm otherwise. `jq-wasm`: jq-wasm only. */
  engine?: EngineChoice;
  logger?: PluginLogger;
  /** A jq call running longer than this is abandoned and its worker replaced. */
  callTimeoutMs?: number;
  /**
   * The jq-wasm pool to use instead of starting one (several engines of a process sharing one
   * pool, as the dry run's threads do); the engine does not close it.
   */
  jqPool?: JqPool;
}

export interface MapPageOptions {
  /** Map items whose selector is false too, into `failed` (live events delete those). */
  parseAll?: boolean;
}

export interface FieldProblem {
  path: string;
  expression: string;
  error: string;
}

export interface CompiledResource {
  readonly kind: string;
  /** Expressions jq refuses to compile; Ocean maps them to null, the dry run reports them. */
  readonly problems: FieldProblem[];
}

export interface MappingEngine {
  /** Compiles (and caches) every expression of a resource. Also done by `mapPage` on demand. */
  compile(resource: ResourceConfig): Promise<CompiledResource>;
  mapPage(resource: ResourceConfig, records: readonly unknown[], options?: MapPageOptions): Promise<MapPageResult>;
  close(): Promise<void>;
}

/**
 * Which fields gave null, per item: a builder notes the fields of the item being built, and the
 * item's notes count only once its entity is complete (a fused build that bails out to jq-wasm
 * half-way is discarded, so the item is not counted twice, nor for a field jq then resolves).
 */
class MisconfigurationTally {
  readonly counts: Uint32Array;
  /** Per field, the first entity that left it null, preferring one with an identifier. */
  readonly examples: (PortEntity | undefined)[];
  readonly #pending: number[] = [];

  constructor(fields: number) {
    this.counts = new Uint32Array(fields);
    this.examples = new Array<PortEntity | undefined>(fields);
  }

  note(field: number): void {
    this.#pending.push(field);
  }

  commit(entity: PortEntity): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    for (const field of pending) {
      this.counts[field]!++;
      const example = this.examples[field];
      if (example === undefined || (!pythonTruthy(example.identifier) && pythonTruthy(entity.identifier))) this.examples[field] = entity;
    }
    pending.length = 0;
  }

  discard(): void {
    this.#pending.length = 0;
  }
}

interface Prepared extends CompiledResource {
  plan: ResourcePlan;
  /** Builds from a row whose cell 0 is the selector. */
  build: (cells: Cell[], tally: MisconfigurationTally) => unknown;
  /**
   * When every expression runs on the fast path: selector and entity straight from the record,
   * without a row in between. Both throw `Bailout` when jq must decide.
   */
  fused: { selector: (record: unknown) => Cell; build: (record: unknown, tally: MisconfigurationTally) => unknown } | undefined;
  selector: CompiledProgram;
  fields: CompiledProgram[];
  items: CompiledProgram | undefined;
  strip: CompiledProgram | undefined;
}

/** Builds an entity from a source: a row of cells, or the record itself on the fused path. */
type Builder = (source: never, tally: MisconfigurationTally) => unknown;
type CellReader = (source: never) => Cell;

/**
 * Turns the template into closures once per resource, so building an entity is a few plain
 * calls; `cellOf(i)` reads field i's cell from the source. A null result marks the field
 * misconfigured.
 */
function compileTemplate(template: Template, cellOf: (field: number) => CellReader): Builder {
  switch (template.t) {
    case 'field': {
      const index = template.index;
      const read = cellOf(index);
      return (source, tally) => {
        const cell = read(source);
        if (cell === null || cell === NO_OUTPUT || cell instanceof CellError) {
          tally.note(index);
          return null;
        }
        return cell;
      };
    }
    case 'object': {
      const keys = template.entries.map(([k]) => k);
      const builders = template.entries.map(([, t]) => compileTemplate(t, cellOf));
      const n = keys.length;
      if (keys.includes('__proto__')) {
        return (cells, tally) => {
          const out: Record<string, unknown> = {};
          for (let i = 0; i < n; i++) Object.defineProperty(out, keys[i]!, { value: builders[i]!(cells, tally), enumerable: true, writable: true, configurable: true });
          return out;
        };
      }
      // An object literal gives every entity of a resource the same hidden class, which is
      // several times faster to build than assigning computed keys. Keys are JSON-escaped.
      const literal = keys.map((k, i) => `${JSON.stringify(k)}: b[${i}](c, m)`).join(', ');
      const make = new Function('b', `return (c, m) => ({ ${literal} });`) as (b: Builder[]) => Builder;
      return make(builders);
    }
    case 'list': {
      const builders = template.items.map((t) => compileTemplate(t, cellOf));
      return (cells, tally) => builders.map((b) => b(cells, tally));
    }
    case 'null':
      return () => null;
  }
}

/** A reader that evaluates a program on the record itself, when no jq-wasm call is needed. */
function directReader(program: CompiledProgram): ((record: unknown) => Cell) | undefined {
  if (program.compileError !== undefined) {
    const error = new CellError(program.compileError);
    return () => error;
  }
  const fast = program.fast;
  if (fast === undefined) return undefined;
  return (record) => {
    try {
      return fast.firstValue(record);
    } catch (error) {
      if (error instanceof JqRuntimeError) return new CellError(error.message);
      throw error;
    }
  };
}

function describeValue(v: unknown): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function createMappingEngine(options: MappingEngineOptions = {}): MappingEngine {
  const allowEnv = options.allowEnv ?? false;
  const env: Record<string, string> = {};
  if (allowEnv) {
    for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v;
  }
  // Ocean's lockdown prologue; when allowed, jq-wasm gets the real environment (its own is a stub).
  const jqPrologue = allowEnv ? `(${JSON.stringify(env)}) as $ENV | def env: $ENV; ` : 'def env: {}; {} as $ENV | ';
  const pool =
    options.jqPool ??
    createJqPool({
      // At least two: while jq-wasm works, the main thread mostly waits, and a page split in
      // chunks over two workers maps about twice as fast (bench:mapping).
      size: options.workers ?? Math.max(2, availableParallelism() - 1),
      ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    });
  const evaluator = createEvaluator({ pool, engine: options.engine ?? 'auto', jqPrologue, env });
  const logger = options.logger;
  const prepared = new WeakMap<ResourceConfig, Promise<Prepared>>();

  const prepare = (resource: ResourceConfig): Promise<Prepared> => {
    let entry = prepared.get(resource);
    if (entry === undefined) {
      entry = (async () => {
        const plan = planResource(resource);
        const compile = (s: FieldSpec): Promise<CompiledProgram> => evaluator.compile(s.program);
        const [selector, fields, items, strip] = await Promise.all([
          compile(plan.selector),
          Promise.all(plan.fields.map(compile)),
          plan.itemsToParse ? compile(plan.itemsToParse.items) : undefined,
          plan.itemsToParse?.strip ? compile(plan.itemsToParse.strip) : undefined,
        ]);
        const problems: FieldProblem[] = [];
        const note = (s: FieldSpec, c: CompiledProgram | undefined): void => {
          if (c?.compileError !== undefined) problems.push({ path: s.path, expression: s.expression, error: c.compileError });
        };
        note(plan.selector, selector);
        plan.fields.forEach((s, i) => note(s, fields[i]));
        if (plan.itemsToParse) note(plan.itemsToParse.items, items);
        const build = compileTemplate(plan.template, (i) => ((cells: Cell[]) => cells[i + 1]) as CellReader) as Prepared['build'];
        const readers = [selector, ...fields].map(directReader);
        const fused = readers.every((r) => r !== undefined)
          ? {
              selector: readers[0]!,
              build: compileTemplate(plan.template, (i) => readers[i + 1]! as CellReader) as NonNullable<Prepared['fused']>['build'],
            }
          : undefined;
        return { kind: resource.kind, problems, plan, build, fused, selector, fields, items, strip };
      })();
      prepared.set(resource, entry);
      entry.catch(() => prepared.delete(resource));
    }
    return entry;
  };

  /** itemsToParse: one item per array element, the parent (minus the array) merged in. */
  const expand = async (p: Prepared, records: { record: unknown; origin: number }[]): Promise<{ record: unknown; origin: number }[]> => {
    const spec = p.plan.itemsToParse!;
    const programs = spec.transform && p.strip ? [p.items!, p.strip] : [p.items!];
    const rows = await evaluator.evaluate(programs, records.map((r) => r.record));
    const out: { record: unknown; origin: number }[] = [];
    rows.forEach((row, i) => {
      const origin = records[i]!.origin;
      if ('itemError' in row) {
        logger?.warn({ index: origin, error: row.itemError }, 'itemsToParse failed for a record; it is skipped');
        return;
      }
      const items = row[0];
      let parent = records[i]!.record as Record<string, unknown>;
      if (spec.transform) {
        const stripped = p.strip ? row[1] : NO_OUTPUT;
        if (typeof stripped !== 'object' || stripped === null || stripped instanceof CellError || Array.isArray(stripped)) {
          logger?.warn({ index: origin, itemsToParse: spec.items.expression }, 'no deletion path could be applied for itemsToParse; the record is skipped');
          return;
        }
        parent = stripped as Record<string, unknown>;
      }
      if (!Array.isArray(items)) {
        logger?.warn({ index: origin, itemsToParse: spec.items.expression }, 'itemsToParse did not give a list; the record is skipped');
        return;
      }
      for (const element of items) out.push({ record: { ...parent, [spec.name]: element }, origin });
    });
    return out;
  };

  return {
    async compile(resource) {
      const p = await prepare(resource);
      return { kind: p.kind, problems: p.problems };
    },

    async mapPage(resource, records, options = {}) {
      const parseAll = options.parseAll ?? false;
      const p = await prepare(resource);
      const result: MapPageResult = {
        passed: [],
        failed: [],
        misconfigurations: {},
        misconfiguredFields: {},
        itemErrors: [],
        counts: { input: records.length, items: 0, mapped: 0, filtered: 0, skipped: 0, itemErrors: 0 },
      };
      const itemError = (error: ItemError): void => {
        result.itemErrors.push(error);
        result.counts.itemErrors++;
      };
      // Items to map and, for each, the index of the raw record it came from.
      let inputs: unknown[] = [];
      let origins: number[] = [];
      records.forEach((record, index) => {
        if (typeof record !== 'object' || record === null || Array.isArray(record)) {
          itemError({ index, message: `record ${index} is not an object (got ${record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record})` });
        } else {
          inputs.push(record);
          origins.push(index);
        }
      });
      if (p.items !== undefined && inputs.length > 0) {
        const expanded = await expand(p, inputs.map((record, i) => ({ record, origin: origins[i]! })));
        inputs = expanded.map((e) => e.record);
        origins = expanded.map((e) => e.origin);
      }
      result.counts.items = inputs.length;
      if (inputs.length === 0) return result;

      const tally = new MisconfigurationTally(p.fields.length);
      // Entities by item index, so results stay in input order whichever path produced them.
      const entities: (PortEntity | undefined)[] = new Array<PortEntity | undefined>(inputs.length);
      const selectorPassed = new Uint8Array(inputs.length);
      /** Applies the selector verdict; true when the item's entity should be built. */
      const admit = (i: number, sel: Cell): boolean => {
        if (typeof sel !== 'boolean') {
          const got = sel === NO_OUTPUT ? 'no output' : sel instanceof CellError ? `error: ${sel.message}` : describeValue(sel);
          itemError({ index: origins[i]!, message: `Expected boolean value for pattern '${p.plan.selector.expression}', got ${got}` });
          return false;
        }
        if (!sel) {
          result.counts.filtered++;
          return parseAll;
        }
        selectorPassed[i] = 1;
        return true;
      };
      const accept = (i: number, entity: PortEntity): void => {
        if (!pythonTruthy(entity.identifier) || !pythonTruthy(entity.blueprint)) result.counts.skipped++;
        else entities[i] = entity;
      };

      // Rows for the items the fused path could not finish (or all of them without it).
      let rest: number[] = [];
      if (p.fused !== undefined) {
        const { selector, build } = p.fused;
        for (let i = 0; i < inputs.length; i++) {
          const record = inputs[i];
          let sel: Cell;
          let entity: PortEntity | undefined;
          try {
            sel = selector(record);
            if (typeof sel === 'boolean' && (sel || parseAll)) entity = build(record, tally) as PortEntity;
          } catch (error) {
            if (!(error instanceof Bailout)) throw error;
            tally.discard();
            rest.push(i);
            continue;
          }
          if (entity !== undefined) tally.commit(entity);
          if (admit(i, sel) && entity !== undefined) accept(i, entity);
          if ((i & 31) === 31) {
            const pause = evaluator.pause();
            if (pause) await pause;
          }
        }
      } else {
        rest = [...inputs.keys()];
      }

      if (rest.length > 0) {
        const rows = await evaluator.evaluate([p.selector, ...p.fields], rest.map((i) => inputs[i]), { gate: !parseAll });
        rows.forEach((row, j) => {
          const i = rest[j]!;
          if ('itemError' in row) return itemError({ index: origins[i]!, message: row.itemError });
          if (!admit(i, row[0])) return;
          const entity = p.build(row, tally) as PortEntity;
          tally.commit(entity);
          accept(i, entity);
        });
      }
      result.itemErrors.sort((a, b) => a.index - b.index);

      for (let i = 0; i < entities.length; i++) {
        const entity = entities[i];
        if (entity === undefined) continue;
        if (selectorPassed[i] === 1) {
          result.passed.push(entity);
          result.counts.mapped++;
        } else {
          result.failed.push(entity);
        }
      }
      p.plan.fields.forEach((field, k) => {
        const count = tally.counts[k]!;
        if (count === 0) return;
        result.misconfigurations[field.path] = field.expression;
        const example = tally.examples[k];
        const detail: MisconfiguredField = { expression: field.expression, items: count };
        if (example !== undefined && pythonTruthy(example.identifier)) detail.exampleIdentifier = example.identifier;
        if (example !== undefined && typeof example.blueprint === 'string' && example.blueprint !== '') detail.exampleBlueprint = example.blueprint;
        result.misconfiguredFields[field.path] = detail;
      });
      return result;
    },

    close: () => (options.jqPool === undefined ? pool.close() : Promise.resolve()),
  };
}
