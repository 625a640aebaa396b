import { readFile } from 'node:fs/promises';
import { describeError, isMarinaError } from '../errors.js';
import { createMappingEngine, findJqProblems, loadPortAppConfig, type MappingEngine, type ResourceConfig } from '../mapping/index.js';

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

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON array of records, or NDJSON (one record per line); errors name the line. */
export function parseRecords(text: string, source: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (Array.isArray(value)) return value;
    } catch (error) {
      // A first line that is itself an array could be NDJSON of arrays; report as JSON if not.
      if (!trimmed.split('\n')[0]!.trim().endsWith(']')) throw new UsageError(`${source}: invalid JSON: ${(error as Error).message}`);
    }
  }
  const records: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch (error) {
      throw new UsageError(`${source}:${i + 1}: invalid JSON: ${(error as Error).message}`);
    }
  });
  return records;
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}

export async function runMapCommand(args: string[], io: MapCommandIo): Promise<number> {
  let engine: MappingEngine | undefined;
  try {
    const opts = parseArgs(args);
    const config = await loadPortAppConfig(opts.mapping);
    const selected: [number, ResourceConfig][] = config.resources
      .map((r, i) => [i, r] as [number, ResourceConfig])
      .filter(([, r]) => opts.kind === undefined || r.kind === opts.kind);
    if (selected.length === 0) {
      throw new UsageError(opts.kind === undefined ? `${opts.mapping}: the mapping has no resources` : `${opts.mapping}: no resource has kind ${opts.kind}`);
    }
    const text = opts.input === '-' ? await readAll(io.stdin) : await readFile(opts.input, 'utf8').catch((error: Error) => {
      throw new UsageError(`${opts.input}: cannot read input: ${error.message}`);
    });
    const records = parseRecords(text, opts.input === '-' ? '<stdin>' : opts.input);

    engine = createMappingEngine({ engine: opts.engine, allowEnv: opts.allowEnv });
    const mappingText = await readFile(opts.mapping, 'utf8');
    const problems = (await findJqProblems(config, mappingText, engine, selected.map(([index]) => index))).map(
      (p) => `${opts.mapping}${p.line === undefined ? '' : `:${p.line}`}: resources[${p.resourceIndex}] (kind ${p.kind}): ${p.field}: ${JSON.stringify(p.expression)}: ${p.error}`,
    );
    if (problems.length > 0) {
      await write(io.stderr, `invalid mapping:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
      return 1;
    }

    for (const [index, resource] of selected) {
      const result = await engine.mapPage(resource, records, { parseAll: opts.parseAll });
      let out = '';
      for (const entity of result.passed) out += `${JSON.stringify(entity)}\n`;
      for (const entity of result.failed) out += `${JSON.stringify(entity)}\n`;
      await write(io.stdout, out);
      const label = `resources[${index}] (kind ${resource.kind})`;
      let report = '';
      for (const [path, expression] of Object.entries(result.misconfigurations)) {
        report += `${label}: misconfigured ${path}: ${JSON.stringify(expression)} gave null, no output or an error\n`;
      }
      for (const e of result.itemErrors) report += `${label}: record ${e.index}: ${e.message}\n`;
      const c = result.counts;
      report += `${label}: ${c.input} records, ${c.items} items: ${c.mapped} mapped, ${c.filtered} filtered by selector, ${c.skipped} skipped, ${c.itemErrors} item errors\n`;
      await write(io.stderr, report);
    }
    return 0;
  } catch (error) {
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
    await engine?.close();
  }
}
