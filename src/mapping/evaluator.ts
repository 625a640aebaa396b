import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { UnsupportedJq } from './jq/ast.js';
import { compileFast, NO_OUTPUT, type FastProgram, type FirstOutput } from './jq/compile.js';
import { Bailout, JqRuntimeError } from './jq/values.js';
import { project, projectionTree, type ProjectionTree } from './projection.js';
import type { JqPool } from './wasm/jq-pool.js';

/**
 * Evaluates a list of jq programs over a list of records by Ocean's rules (first output wins,
 * no output or an error gives nothing), choosing per program between the fast path and
 * jq-wasm. jq-wasm runs one page program per chunk (all its programs, each `try`-wrapped so a
 * failing field never loses the others), in the worker pool, while the fast path runs on the
 * main thread in slices short enough to keep the event loop responsive.
 */

export type EngineChoice = 'auto' | 'jq-wasm';

export interface CompiledProgram {
  program: string;
  /** jq's compile error, when the program does not compile: the field is always null. */
  compileError: string | undefined;
  fast: FastProgram | undefined;
}

/** A cell of the result grid: the first output, `NO_OUTPUT`, or a `CellError`. */
export type Cell = unknown;

export class CellError {
  constructor(readonly message: string) {}
}

export { NO_OUTPUT };

export function cellToOutput(cell: Cell): FirstOutput {
  if (cell === NO_OUTPUT) return { kind: 'none' };
  if (cell instanceof CellError) return { kind: 'error', message: cell.message };
  return { kind: 'value', value: cell };
}

/** A row is one cell per program, or the reason the record could not be evaluated at all. */
export type Row = Cell[] | { itemError: string };

export interface EvaluateOptions {
  /**
   * Program 0 is a selector: the other programs run only for records where it gives `true`
   * (Ocean does not evaluate fields of filtered items). Gated rows hold only cell 0.
   */
  gate?: boolean;
}

export interface EvaluatorOptions {
  pool: JqPool;
  engine: EngineChoice;
  /** The `def env`/`$ENV` prologue for jq, and the matching object for the fast path. */
  jqPrologue: string;
  env: Record<string, string>;
  /** Largest JSON input per jq call; keeps each call far below jq-wasm's 256 MiB heap. */
  maxChunkBytes?: number;
  maxChunkRecords?: number;
  /** Longest stretch of main-thread work between yields to the event loop. */
  sliceMs?: number;
}

export interface Evaluator {
  compile(program: string): Promise<CompiledProgram>;
  /** A promise to await when the caller's main-thread work has used up its slice, else undefined. */
  pause(): Promise<void> | undefined;
  evaluate(programs: CompiledProgram[], records: readonly unknown[], options?: EvaluateOptions): Promise<Row[]>;
}

/** The wrapper jq runs each field in: `[first output]`, `[]`, or `{e: message}`. */
function fieldTerm(program: string): string {
  return `(try [limit(1; (${program}\n))] catch {e: tostring})`;
}

function decode(cell: unknown): Cell {
  if (Array.isArray(cell)) return cell.length === 0 ? NO_OUTPUT : cell[0];
  const message = (cell as { e?: unknown } | null)?.e;
  return new CellError(typeof message === 'string' ? message : 'jq error');
}

/** Calls `yieldToEventLoop` whenever `sliceMs` of synchronous work has gone by. */
function createSlicer(sliceMs: number): () => Promise<void> | undefined {
  let start = performance.now();
  return () => {
    if (performance.now() - start < sliceMs) return undefined;
    return yieldToEventLoop().then(() => {
      start = performance.now();
    });
  };
}

export function createEvaluator(options: EvaluatorOptions): Evaluator {
  const { pool, engine, jqPrologue, env } = options;
  const maxChunkBytes = options.maxChunkBytes ?? 2 * 1024 * 1024;
  const maxChunkRecords = options.maxChunkRecords ?? 250;
  const sliceMs = options.sliceMs ?? 5;
  const cache = new Map<string, Promise<CompiledProgram>>();
  // One slicer for all calls: a page is often mapped faster than one slice, but back-to-back
  // pages would then hold the event loop for the whole resync.
  const slice = createSlicer(sliceMs);
  const projections = new Map<string, ProjectionTree | undefined>();

  const compileOne = async (program: string): Promise<CompiledProgram> => {
    // Two wrappers that together reject any text that would not compile on its own
    // (for instance `.a) | (.b`, or a trailing comment swallowing a closing parenthesis).
    const check = `${jqPrologue}if false then (if false then ${program}\n else empty end), ${fieldTerm(program)} else empty end`;
    let compileError = await pool.check(check);
    if (compileError !== undefined) {
      // The wrapper shifts line and column numbers; jq's message for the bare text is clearer.
      // (Without the prologue: jq-wasm's own environment is a stub, so nothing can leak.)
      // If only the wrapped text fails, keep jq's first line: the rest quotes the program,
      // whose prologue holds the environment when the operator allows it.
      compileError = (await pool.check(program)) ?? compileError.split('\n')[0]!;
    }
    let fast: FastProgram | undefined;
    if (compileError === undefined && engine === 'auto') {
      try {
        fast = compileFast(program, { env });
      } catch (error) {
        if (!(error instanceof UnsupportedJq)) throw error;
      }
    }
    return { program, compileError, fast };
  };

  /** Runs `programs` through jq-wasm for `records`; row i answers records[i]. */
  const runJq = async (programs: CompiledProgram[], records: readonly unknown[], gate: boolean): Promise<Row[]> => {
    const out: Row[] = new Array<Row>(records.length);
    const terms = programs.map((p) => fieldTerm(p.program));
    const body = gate ? `${terms[0]} as $s | if $s == [true] then [$s, ${terms.slice(1).join(', ')}] else [$s] end` : `[${terms.join(', ')}]`;
    const page = `${jqPrologue}.[] | ${body}`;
    const key = programs.map((p) => p.program).join('\u0000');
    if (!projections.has(key)) projections.set(key, projectionTree(programs.map((p) => p.program)));
    const keys = projections.get(key);

    const texts = new Array<string>(records.length);
    const runChunk = async (indexes: number[]): Promise<void> => {
      if (indexes.length === 0) return;
      const outcome = await pool.run(page, `[${indexes.map((i) => texts[i]).join(',')}]`, indexes.length);
      if (outcome.ok) {
        outcome.results.forEach((row, k) => {
          out[indexes[k]!] = (row as unknown[]).map(decode);
        });
        return;
      }
      if (indexes.length === 1 || outcome.reason === 'timeout') {
        for (const i of indexes) out[i] = { itemError: `jq could not evaluate the record: ${outcome.message}` };
        return;
      }
      // One bad record (too deep for jq's parser, or too big for the heap) must not sink its
      // neighbours: split the chunk and retry both halves.
      const half = Math.ceil(indexes.length / 2);
      await Promise.all([runChunk(indexes.slice(0, half)), runChunk(indexes.slice(half))]);
    };

    // Serialise chunk by chunk, dispatching each as soon as it is ready so workers start early.
    const running: Promise<void>[] = [];
    let current: number[] = [];
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      let text: string;
      try {
        text = JSON.stringify(keys === undefined ? records[i] : project(records[i], keys));
      } catch (error) {
        out[i] = { itemError: `record cannot be serialised to JSON: ${(error as Error).message}` };
        continue;
      }
      texts[i] = text;
      if (current.length > 0 && (bytes + text.length > maxChunkBytes || current.length >= maxChunkRecords)) {
        running.push(runChunk(current));
        current = [];
        bytes = 0;
      }
      current.push(i);
      bytes += text.length + 1;
      const pause = slice();
      if (pause) await pause;
    }
    running.push(runChunk(current));
    await Promise.all(running);
    return out;
  };

  return {
    pause: slice,

    compile(program) {
      let entry = cache.get(program);
      if (entry === undefined) {
        entry = compileOne(program);
        cache.set(program, entry);
        entry.catch(() => cache.delete(program));
      }
      return entry;
    },

    async evaluate(programs, records, evaluateOptions = {}) {
      const gate = evaluateOptions.gate ?? false;
      const n = programs.length;
      const rows: Row[] = new Array<Row>(records.length);
      const constant: (Cell | undefined)[] = programs.map((p) => (p.compileError === undefined ? undefined : new CellError(p.compileError)));
      const fast: (FastProgram | undefined)[] = programs.map((p) => (p.compileError === undefined ? p.fast : undefined));
      const jqIndexes: number[] = [];
      programs.forEach((p, k) => {
        if (p.compileError === undefined && p.fast === undefined) jqIndexes.push(k);
      });
      // A gate evaluated by jq must run before anything else; then jq gates its own fields.
      const gateOnJq = gate && jqIndexes[0] === 0;
      if (gateOnJq) {
        const all = programs.map((_, k) => k).filter((k) => constant[k] === undefined);
        jqIndexes.splice(0, jqIndexes.length, ...all);
        fast.fill(undefined);
      }

      const bailed: number[] = [];
      for (let i = 0; i < records.length; i++) {
        const row = new Array<Cell>(n);
        rows[i] = row;
        const record = records[i];
        let needsJq = false;
        for (let k = 0; k < n; k++) {
          const c = constant[k];
          if (c !== undefined) {
            row[k] = c;
          } else {
            const f = fast[k];
            if (f !== undefined) {
              try {
                row[k] = f.firstValue(record);
              } catch (error) {
                if (error instanceof JqRuntimeError) row[k] = new CellError(error.message);
                else if (error instanceof Bailout) needsJq = true;
                else throw error;
              }
            }
          }
          if (k === 0 && gate && !gateOnJq && !needsJq && row[0] !== true) {
            row.length = 1;
            break;
          }
        }
        if (needsJq) bailed.push(i);
        if ((i & 31) === 31) {
          const pause = slice();
          if (pause) await pause;
        }
      }

      // jq-wasm: its programs for every record that passed the gate (or all of them).
      if (jqIndexes.length > 0) {
        const targets = gate && !gateOnJq ? [...rows.keys()].filter((i) => (rows[i] as Cell[]).length === n) : [...rows.keys()];
        const jqRows = await runJq(jqIndexes.map((k) => programs[k]!), targets.map((i) => records[i]), gateOnJq);
        jqRows.forEach((jqRow, j) => {
          const i = targets[j]!;
          if ('itemError' in jqRow) {
            rows[i] = jqRow;
            return;
          }
          const row = rows[i] as Cell[];
          jqIndexes.forEach((k, m) => {
            if (m < jqRow.length) row[k] = jqRow[m];
          });
          if (gateOnJq && jqRow.length === 1) row.length = 1;
        });
      }

      // Records the fast path could not vouch for: jq-wasm evaluates them in full.
      const redo = bailed.filter((i) => !('itemError' in rows[i]!));
      if (redo.length > 0) {
        const live = programs.map((_, k) => k).filter((k) => constant[k] === undefined);
        const jqRows = await runJq(live.map((k) => programs[k]!), redo.map((i) => records[i]), gate && live[0] === 0);
        jqRows.forEach((jqRow, j) => {
          const i = redo[j]!;
          if ('itemError' in jqRow) {
            rows[i] = jqRow;
            return;
          }
          const row = rows[i] as Cell[];
          row.length = n;
          live.forEach((k, m) => {
            if (m < jqRow.length) row[k] = jqRow[m];
          });
          if (gate && live[0] === 0 && jqRow.length === 1) row.length = 1;
        });
      }
      return rows;
    },
  };
}
