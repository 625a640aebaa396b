import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describeError, isMarinaError } from '../errors.js';
import { findJqProblems, loadPortAppConfig, type ItemError, type MapPageResult, type MisconfiguredField, type ResourceConfig } from '../mapping/index.js';
import { createMapWorkers, defaultMapWorkerCount, type BatchResult, type MapWorkers } from './map-workers.js';
import { RecordInputError, splitRecordBatches } from './record-batches.js';

/**
 * `marina map --mapping FILE [--kind KIND] [--input FILE|-] [--engine auto|jq-wasm]
 * [--parse-all] [--allow-env]`: a dry run of the mapping stage. Entities go to stdout as NDJSON,
 * exactly as they would be sent to Port, in input order; misconfigurations and counts go to
 * stderr. Exit codes: 0 success, 1 invalid mapping (jq errors), 2 bad usage or unreadable input.
 */

export interface MapCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = 'usage: marina map --mapping FILE [--kind KIND] [--input FILE|-] [--engine auto|jq-wasm] [--parse-all] [--allow-env]';

interface MapArgs {
  mapping: string;
  kind: string | undefined;
  input: string;
  engine: 'auto' | 'jq-wasm';
  parseAll: boolean;
  allowEnv: boolean;
}

class UsageError extends Error {}

function parseArgs(args: string[]): MapArgs {
  const out: Partial<MapArgs> = { input: '-', engine: 'auto', parseAll: false, allowEnv: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--mapping':
        out.mapping = value();
        break;
      case '--kind':
        out.kind = value();
        break;
      case '--input':
        out.input = value();
        break;
      case '--engine': {
        const v = value();
        if (v !== 'auto' && v !== 'jq-wasm') throw new UsageError(`--engine must be auto or jq-wasm, not ${v}`);
        out.engine = v;
        break;
      }
      case '--parse-all':
        out.parseAll = true;
        break;
      case '--allow-env':
        out.allowEnv = true;
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (out.mapping === undefined) throw new UsageError('--mapping is required');
  return out as MapArgs;
}

/** The input as a stream of chunks; a read failure becomes an input error naming the file. */
async function* inputChunks(path: string, stdin: NodeJS.ReadableStream): AsyncGenerator<unknown> {
  const stream = path === '-' ? stdin : createReadStream(path, { highWaterMark: 1024 * 1024 });
  try {
    yield* stream;
  } catch (error) {
    throw new RecordInputError(`${path === '-' ? '<stdin>' : path}: cannot read input: ${(error as Error).message}`);
  }
}

function write(stream: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (text.length === 0 || stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}

/** One selected resource's results over the whole input. */
interface Tally {
  index: number;
  resource: ResourceConfig;
  counts: MapPageResult['counts'];
  /** Per misconfigured field, summed over the batches; the first batch's example stays. */
  misconfigurations: Record<string, MisconfiguredField>;
  itemErrors: ItemError[];
  /** NDJSON held back to keep the output's order: later resources, and `--parse-all` failures. */
  held: Uint8Array[];
  heldFailed: Uint8Array[];
}

export async function runMapCommand(args: string[], io: MapCommandIo): Promise<number> {
  let workers: MapWorkers | undefined;
  try {
    const opts = parseArgs(args);
    const config = await loadPortAppConfig(opts.mapping);
    const selected: [number, ResourceConfig][] = config.resources
      .map((r, i) => [i, r] as [number, ResourceConfig])
      .filter(([, r]) => opts.kind === undefined || r.kind === opts.kind);
    if (selected.length === 0) {
      throw new UsageError(opts.kind === undefined ? `${opts.mapping}: the mapping has no resources` : `${opts.mapping}: no resource has kind ${opts.kind}`);
    }
    const source = opts.input === '-' ? '<stdin>' : opts.input;
    workers = createMapWorkers({ resources: selected.map(([, resource]) => resource), engine: opts.engine, allowEnv: opts.allowEnv, parseAll: opts.parseAll, source });
    const mapWorkers = workers;
    const tallies: Tally[] = selected.map(([index, resource]) => ({
      index,
      resource,
      counts: { input: 0, items: 0, mapped: 0, filtered: 0, skipped: 0, itemErrors: 0 },
      misconfigurations: {},
      itemErrors: [],
      held: [],
      heldFailed: [],
    }));

    // Batches are split here and parsed and mapped on the workers, several at once; results are
    // taken in input order. Nothing is written before the mapping is known to compile.
    let checked = false;
    const mappingText = await readFile(opts.mapping, 'utf8');
    const checkMapping = async (): Promise<string[]> => {
      // The workers compiled the mapping; their verdicts stand in for an engine's.
      const verdicts = await mapWorkers.ready;
      const compiled = { compile: async (resource: ResourceConfig) => ({ kind: resource.kind, problems: verdicts[selected.findIndex(([, r]) => r === resource)] ?? [] }) };
      const found = await findJqProblems(config, mappingText, compiled, selected.map(([index]) => index));
      checked = true;
      return found.map(
        (p) => `${opts.mapping}${p.line === undefined ? '' : `:${p.line}`}: resources[${p.resourceIndex}] (kind ${p.kind}): ${p.field}: ${JSON.stringify(p.expression)}: ${p.error}`,
      );
    };
    let offset = 0;
    const take = async (outcome: Promise<BatchResult>): Promise<void> => {
      const batch = await outcome;
      const refused: ItemError[] = batch.refused.map(({ index, got }) => ({ index: offset + index, message: `record ${offset + index} is not an object (got ${got})` }));
      for (const [k, tally] of tallies.entries()) {
        const result = batch.resources[k]!;
        if (k === 0) await write(io.stdout, result.passed);
        else if (result.passed.length > 0) tally.held.push(result.passed);
        if (result.failed.length > 0) tally.heldFailed.push(result.failed);
        const c = result.counts;
        tally.counts.input += batch.records;
        tally.counts.items += c.items;
        tally.counts.mapped += c.mapped;
        tally.counts.filtered += c.filtered;
        tally.counts.skipped += c.skipped;
        tally.counts.itemErrors += c.itemErrors + refused.length;
        for (const [path, field] of Object.entries(result.misconfiguredFields)) {
          const seen = tally.misconfigurations[path];
          tally.misconfigurations[path] = seen === undefined ? { ...field } : { ...seen, items: seen.items + field.items };
        }
        const errors = [...refused, ...result.itemErrors.map((e) => ({ ...e, index: offset + e.index }))];
        tally.itemErrors.push(...errors.sort((x, y) => x.index - y.index));
      }
      offset += batch.records;
    };

    const inflight: Promise<BatchResult>[] = [];
    const maxInflight = 2 * defaultMapWorkerCount();
    let problems: string[] = [];
    const next = async (): Promise<boolean> => {
      if (!checked) {
        problems = await checkMapping();
        if (problems.length > 0) return false;
      }
      await take(inflight.shift()!);
      return true;
    };
    let stopped = false;
    for await (const batch of splitRecordBatches(inputChunks(opts.input, io.stdin), { source })) {
      const outcome = mapWorkers.map(batch);
      outcome.catch(() => undefined);
      inflight.push(outcome);
      if (inflight.length >= maxInflight && !(await next())) {
        stopped = true;
        break;
      }
    }
    while (!stopped && inflight.length > 0) if (!(await next())) stopped = true;
    if (!checked) problems = await checkMapping();
    if (problems.length > 0) {
      await write(io.stderr, `invalid mapping:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
      return 1;
    }

    for (const tally of tallies) {
      for (const text of tally.held) await write(io.stdout, text);
      for (const text of tally.heldFailed) await write(io.stdout, text);
    }
    for (const tally of tallies) {
      const label = `resources[${tally.index}] (kind ${tally.resource.kind})`;
      let report = '';
      for (const [path, field] of Object.entries(tally.misconfigurations)) {
        const example = field.exampleIdentifier === undefined ? '' : `, e.g. ${JSON.stringify(field.exampleIdentifier)}`;
        report += `${label}: misconfigured ${path}: ${JSON.stringify(field.expression)} gave null, no output or an error in ${field.items} item${field.items === 1 ? '' : 's'}${example}\n`;
      }
      for (const e of tally.itemErrors) report += `${label}: record ${e.index}: ${e.message}\n`;
      const c = tally.counts;
      report += `${label}: ${c.input} records, ${c.items} items: ${c.mapped} mapped, ${c.filtered} filtered by selector, ${c.skipped} skipped, ${c.itemErrors} item errors\n`;
      await write(io.stderr, report);
    }
    return 0;
  } catch (error) {
    if (error instanceof RecordInputError) {
      await write(io.stderr, `${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      await write(io.stderr, `${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (isMarinaError(error)) {
      await write(io.stderr, `${error.message}\n`);
      return error.code === 'MAPPING_INVALID' || error.code === 'MAPPING_PARSE_FAILED' ? 1 : 2;
    }
    await write(io.stderr, `map failed: ${describeError(error)}\n`);
    return 2;
  } finally {
    await workers?.close();
  }
}
