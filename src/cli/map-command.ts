import { createReadStream } from 'node:fs';
import { describeError, isMarinaError } from '../errors.js';
import { createMappingEngine, loadPortAppConfig, type ItemError, type MapPageResult, type MappingEngine, type ResourceConfig } from '../mapping/index.js';
import { readRecordBatches, RecordInputError } from './record-batches.js';

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

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === '' || stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** One selected resource's results over the whole input. */
interface Tally {
  index: number;
  resource: ResourceConfig;
  counts: MapPageResult['counts'];
  misconfigurations: Record<string, string>;
  itemErrors: ItemError[];
  /** NDJSON held back to keep the output's order: later resources, and `--parse-all` failures. */
  held: string[];
  heldFailed: string[];
}

export async function runMapCommand(args: string[], io: MapCommandIo): Promise<number> {
  let engine: MappingEngine | undefined;
  let batches: AsyncGenerator<unknown[]> | undefined;
  try {
    const opts = parseArgs(args);
    const config = await loadPortAppConfig(opts.mapping);
    const selected: [number, ResourceConfig][] = config.resources
      .map((r, i) => [i, r] as [number, ResourceConfig])
      .filter(([, r]) => opts.kind === undefined || r.kind === opts.kind);
    if (selected.length === 0) {
      throw new UsageError(opts.kind === undefined ? `${opts.mapping}: the mapping has no resources` : `${opts.mapping}: no resource has kind ${opts.kind}`);
    }
    engine = createMappingEngine({ engine: opts.engine, allowEnv: opts.allowEnv });
    const mapper = engine;
    // jq-wasm checks the expressions on its worker threads (which take a while to start) while
    // the input is read and parsed here; mapping starts once the check is done.
    let checked = false;
    const compiling = Promise.all(selected.map(([, resource]) => mapper.compile(resource))).finally(() => {
      checked = true;
    });
    compiling.catch(() => undefined);
    batches = readRecordBatches(inputChunks(opts.input, io.stdin), { source: opts.input === '-' ? '<stdin>' : opts.input });
    const readAhead: unknown[][] = [];
    while (!checked) {
      const next = await batches.next();
      if (next.done === true) break;
      readAhead.push(next.value);
    }

    const problems: string[] = [];
    (await compiling).forEach((compiled, k) => {
      const [index, resource] = selected[k]!;
      for (const p of compiled.problems) {
        const where = p.path.startsWith('selector') || p.path.startsWith('port.') ? p.path : `port.entity.mappings.${p.path}`;
        problems.push(`${opts.mapping}: resources[${index}] (kind ${resource.kind}): ${where}: ${JSON.stringify(p.expression)}: ${p.error.split('\n')[0]}`);
      }
    });
    if (problems.length > 0) {
      await write(io.stderr, `invalid mapping:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
      return 1;
    }

    const tallies: Tally[] = selected.map(([index, resource]) => ({
      index,
      resource,
      counts: { input: 0, items: 0, mapped: 0, filtered: 0, skipped: 0, itemErrors: 0 },
      misconfigurations: {},
      itemErrors: [],
      held: [],
      heldFailed: [],
    }));
    let offset = 0;
    const mapBatch = async (records: unknown[]): Promise<void> => {
      // Records that are not objects are refused here, so messages carry their place in the input.
      const objects: unknown[] = [];
      const origins: number[] = [];
      const refused: ItemError[] = [];
      records.forEach((record, i) => {
        if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
          objects.push(record);
          origins.push(offset + i);
        } else {
          refused.push({ index: offset + i, message: `record ${offset + i} is not an object (got ${describeType(record)})` });
        }
      });
      for (const [k, tally] of tallies.entries()) {
        const result = await mapper.mapPage(tally.resource, objects, { parseAll: opts.parseAll });
        let passed = '';
        for (const entity of result.passed) passed += `${JSON.stringify(entity)}\n`;
        let failed = '';
        for (const entity of result.failed) failed += `${JSON.stringify(entity)}\n`;
        if (k === 0) await write(io.stdout, passed);
        else if (passed !== '') tally.held.push(passed);
        if (failed !== '') tally.heldFailed.push(failed);
        const c = result.counts;
        tally.counts.input += records.length;
        tally.counts.items += c.items;
        tally.counts.mapped += c.mapped;
        tally.counts.filtered += c.filtered;
        tally.counts.skipped += c.skipped;
        tally.counts.itemErrors += c.itemErrors + refused.length;
        Object.assign(tally.misconfigurations, result.misconfigurations);
        const errors = [...refused, ...result.itemErrors.map((e) => ({ ...e, index: origins[e.index]! }))];
        tally.itemErrors.push(...errors.sort((a, b) => a.index - b.index));
      }
      offset += records.length;
    };
    for (const records of readAhead.splice(0)) await mapBatch(records);
    for await (const records of batches) await mapBatch(records);

    for (const tally of tallies) {
      for (const text of tally.held) await write(io.stdout, text);
      for (const text of tally.heldFailed) await write(io.stdout, text);
    }
    for (const tally of tallies) {
      const label = `resources[${tally.index}] (kind ${tally.resource.kind})`;
      let report = '';
      for (const [path, expression] of Object.entries(tally.misconfigurations)) {
        report += `${label}: misconfigured ${path}: ${JSON.stringify(expression)} gave null, no output or an error\n`;
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
    // Closes the input when mapping stopped before its end.
    await batches?.return(undefined).catch(() => undefined);
    await engine?.close();
  }
}
