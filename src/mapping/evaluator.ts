import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { UnsupportedJq } from './jq/ast.js';
import { compileFast, type FastProgram, type FirstOutput } from './jq/compile.js';
import { Bailout } from './jq/values.js';
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

export interface EvaluatorOptions {
  pool: JqPool;
  engine: EngineChoice;
  /** The `def env`/`$ENV` prologue for jq, and the matching object for the fast path. */
  jqPrologue: string;
  env: Record<string, string>;
  /** Largest JSON input per jq call; keeps each call far below jq-wasm's 256 MiB heap. */
  maxChunkBytes?: number;
  maxChunkRecords?: number;
  /** Longest stretch of fast-path work between yields to the event loop. */
  sliceMs?: number;
}

export interface Evaluator {
  compile(program: string): Promise<CompiledProgram>;
  /** outcomes[record][program]; `'item-error'` entries mean the record itself could not be evaluated. */
  evaluate(programs: CompiledProgram[], records: unknown[]): Promise<(FirstOutput[] | { itemError: string })[]>;
}

/** The wrapper jq compiles each field in, so a syntax error is found before it can break a page program. */
function fieldTerm(program: string): string {
  return `(try [limit(1; (${program}\n))] catch {e: tostring})`;
}

function decode(cell: unknown): FirstOutput {
  if (Array.isArray(cell)) return cell.length === 0 ? { kind: 'none' } : { kind: 'value', value: cell[0] };
  const message = (cell as { e?: unknown } | null)?.e;
  return { kind: 'error', message: typeof message === 'string' ? message : 'jq error' };
}

export function createEvaluator(options: EvaluatorOptions): Evaluator {
  const { pool, engine, jqPrologue, env } = options;
  const maxChunkBytes = options.maxChunkBytes ?? 2 * 1024 * 1024;
  const maxChunkRecords = options.maxChunkRecords ?? 1000;
  const sliceMs = options.sliceMs ?? 8;
  const cache = new Map<string, Promise<CompiledProgram>>();

  const compileOne = async (program: string): Promise<CompiledProgram> => {
    // Two wrappers that together reject any text that would not compile on its own
    // (for instance `.a) | (.b`, or a trailing comment swallowing a closing parenthesis).
    const check = `${jqPrologue}if false then (if false then ${program}\n else empty end), ${fieldTerm(program)} else empty end`;
    let compileError = await pool.check(check);
    if (compileError !== undefined) {
      // The wrapper shifts line and column numbers; jq's message for the bare text is clearer.
      // (Without the prologue: jq-wasm's own environment is a stub, so nothing can leak.)
      compileError = (await pool.check(program)) ?? compileError;
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

  const runJq = async (programs: CompiledProgram[], records: unknown[]): Promise<(FirstOutput[] | { itemError: string })[]> => {
    const out: (FirstOutput[] | { itemError: string })[] = new Array(records.length);
    const page = `${jqPrologue}.[] | [${programs.map((p) => fieldTerm(p.program)).join(', ')}]`;
    const texts: string[] = records.map((r, i) => {
      try {
        return JSON.stringify(r);
      } catch (error) {
        out[i] = { itemError: `record cannot be serialised to JSON: ${(error as Error).message}` };
        return '';
      }
    });
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
    const chunks: number[][] = [];
    let current: number[] = [];
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      if (out[i] !== undefined) continue;
      const size = texts[i]!.length + 1;
      if (current.length > 0 && (bytes + size > maxChunkBytes || current.length >= maxChunkRecords)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(i);
      bytes += size;
    }
    if (current.length > 0) chunks.push(current);
    await Promise.all(chunks.map(runChunk));
    return out;
  };

  return {
    compile(program) {
      let entry = cache.get(program);
      if (entry === undefined) {
        entry = compileOne(program);
        cache.set(program, entry);
        entry.catch(() => cache.delete(program));
      }
      return entry;
    },

    async evaluate(programs, records) {
      const rows: (FirstOutput[] | { itemError: string })[] = records.map(() => new Array<FirstOutput>(programs.length));
      const jqIndexes: number[] = [];
      const fastIndexes: number[] = [];
      programs.forEach((p, k) => {
        if (p.compileError !== undefined) {
          for (const row of rows) (row as FirstOutput[])[k] = { kind: 'error', message: p.compileError };
        } else if (p.fast !== undefined) {
          fastIndexes.push(k);
        } else {
          jqIndexes.push(k);
        }
      });
      const jqPrograms = jqIndexes.map((k) => programs[k]!);
      const jqRun = jqPrograms.length > 0 && records.length > 0 ? runJq(jqPrograms, records) : Promise.resolve([]);

      // Fast path on the main thread, in slices; bailouts are collected per record.
      const bailed: number[] = [];
      let sliceStart = performance.now();
      for (let i = 0; i < records.length; i++) {
        const row = rows[i] as FirstOutput[];
        const record = records[i];
        let needsJq = false;
        for (const k of fastIndexes) {
          try {
            row[k] = programs[k]!.fast!.first(record);
          } catch (error) {
            if (!(error instanceof Bailout)) throw error;
            needsJq = true;
          }
        }
        if (needsJq) bailed.push(i);
        if ((i & 63) === 63 && performance.now() - sliceStart > sliceMs) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }

      const jqRows = await jqRun;
      jqRows.forEach((jqRow, i) => {
        if ('itemError' in jqRow) rows[i] = jqRow;
        else jqIndexes.forEach((k, j) => ((rows[i] as FirstOutput[])[k] = jqRow[j]!));
      });

      if (bailed.length > 0) {
        // Re-run the fast programs through jq for the records the fast path could not vouch for.
        const redo = bailed.filter((i) => !('itemError' in rows[i]!));
        const redoRows = await runJq(fastIndexes.map((k) => programs[k]!), redo.map((i) => records[i]));
        redoRows.forEach((jqRow, j) => {
          const i = redo[j]!;
          if ('itemError' in jqRow) rows[i] = jqRow;
          else fastIndexes.forEach((k, m) => ((rows[i] as FirstOutput[])[k] = jqRow[m]!));
        });
      }
      return rows;
    },
  };
}
