import { loadJq, type Jq } from 'jq-wasm';
import { CustomIntegrationError, type CustomErrorCode } from './custom-error.js';
import { compileFastPath } from './custom-jq-fast.js';

/**
 * The jq expressions of Ocean Custom (`data_path`, a path parameter's `field` and `filter`,
 * `{{.path}}` templates, the webhook settings). Plain paths, literals and `path == literal`
 * comparisons, which is what nearly every configuration uses, run as JavaScript; anything else
 * runs on jq-wasm (the version the repo pins), one call per page rather than per record, because
 * each jq-wasm call costs milliseconds however small its input.
 */
export interface JqExpression {
  /** The expression as written. */
  readonly source: string;
  /** Where it was written, for error messages (`selector.data_path of resource 2 (/api/users)`). */
  readonly where: string;
  /** Its JavaScript evaluation when it is in the fast subset. */
  readonly fast: ((input: unknown) => unknown[]) | undefined;
}

let handle: Promise<Jq> | undefined;
let loaded: Jq | undefined;

/** One jq-wasm instance for the process, loaded on first use; a crashed one is replaced. */
function jqHandle(): Promise<Jq> {
  handle ??= loadJq().then((jq) => {
    loaded = jq;
    return jq;
  });
  return handle;
}

function forgetHandle(): void {
  handle = undefined;
  loaded = undefined;
}

/**
 * Checks an expression and prepares it. Expressions outside the fast subset are compiled once by
 * jq-wasm here, so a typo is reported at setup (or when the resource block starts), not per record.
 * @throws CustomIntegrationError with `code` when the expression does not compile.
 */
export async function compileJq(source: string, where: string, code: CustomErrorCode = 'CUSTOM_SELECTOR_INVALID'): Promise<JqExpression> {
  const fast = compileFastPath(source);
  if (fast !== undefined) return { source, where, fast };
  const jq = await jqHandle();
  const result = runRaw(jq, 'null', source, ['-n']);
  // jq exits 3 on a compile error; a runtime error on the null input (exit 5) is fine here.
  if (result.exitCode === 3) {
    throw new CustomIntegrationError(code, `${where}: jq expression ${JSON.stringify(source)} does not compile: ${firstLine(result.stderr)}`);
  }
  return { source, where, fast: undefined };
}

/** Loads jq-wasm now when `expressions` need it, so {@link evaluateFirstSync} can run them. */
export async function prepareSync(expressions: readonly JqExpression[]): Promise<void> {
  if (expressions.some((expression) => expression.fast === undefined)) await jqHandle();
}

/** Every output of `expression` on `input`. @throws CustomIntegrationError `CUSTOM_JQ_ERROR` */
export async function evaluateAll(expression: JqExpression, input: unknown): Promise<unknown[]> {
  if (expression.fast) return runFast(expression, input);
  return runWasm(await jqHandle(), expression, JSON.stringify(input) ?? 'null');
}

/** The first output, or null when there is none (Ocean's rule). @throws CustomIntegrationError `CUSTOM_JQ_ERROR` */
export async function evaluateFirst(expression: JqExpression, input: unknown): Promise<unknown> {
  return (await evaluateAll(expression, input))[0] ?? null;
}

/**
 * {@link evaluateFirst} without awaiting, for synchronous callers (a live event's resource key).
 * Call {@link prepareSync} with the expression first.
 */
export function evaluateFirstSync(expression: JqExpression, input: unknown): unknown {
  if (expression.fast) return runFast(expression, input)[0] ?? null;
  if (loaded === undefined) throw new Error(`jq-wasm is not loaded yet for ${expression.where}: call prepareSync first`);
  return runWasm(loaded, expression, JSON.stringify(input) ?? 'null')[0] ?? null;
}

/** The outcome of an expression on one record of a page. */
export type PerRecordResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * The first output of `expression` on each of `inputs` (null when none), each record on its own:
 * one record's error does not affect the others. jq-wasm runs once for the whole page.
 */
export async function evaluateFirstEach(expression: JqExpression, inputs: readonly unknown[]): Promise<PerRecordResult[]> {
  if (expression.fast) {
    const fast = expression.fast;
    return inputs.map((input): PerRecordResult => {
      try {
        return { ok: true, value: fast(input)[0] ?? null };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    });
  }
  if (inputs.length === 0) return [];
  const program = `.[] | try {v: ([limit(1; (${expression.source}))] | .[0])} catch {e: (. | tostring)}`;
  const outputs = runWasm(await jqHandle(), { ...expression, source: program }, JSON.stringify(inputs));
  return outputs.map((output) => {
    const record = output as { v?: unknown; e?: string };
    return 'e' in record ? { ok: false, error: String(record.e) } : { ok: true, value: record.v ?? null };
  });
}

function runFast(expression: JqExpression, input: unknown): unknown[] {
  try {
    return expression.fast!(input);
  } catch (error) {
    throw new CustomIntegrationError('CUSTOM_JQ_ERROR', `${expression.where}: jq expression ${JSON.stringify(expression.source)} failed: ${(error as Error).message}`);
  }
}

function runWasm(jq: Jq, expression: JqExpression, inputText: string): unknown[] {
  const result = runRaw(jq, inputText, expression.source, ['-c']);
  if (result.exitCode !== 0) {
    throw new CustomIntegrationError('CUSTOM_JQ_ERROR', `${expression.where}: jq expression ${JSON.stringify(expression.source)} failed: ${firstLine(result.stderr)}`);
  }
  const text = result.stdout.trim();
  // With -c every output is one line: strings keep their newlines escaped.
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as unknown);
}

function runRaw(jq: Jq, inputText: string, program: string, flags: string[]): { exitCode: number; stdout: string; stderr: string } {
  try {
    return jq.raw(inputText, program, flags);
  } catch (error) {
    // An abort (jq-wasm's heap cap) leaves the instance unusable: load a fresh one next time.
    forgetHandle();
    throw new CustomIntegrationError('CUSTOM_JQ_ERROR', `jq-wasm failed on ${JSON.stringify(program.slice(0, 200))}: ${(error as Error).message}`);
  }
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').replace(/^jq: error(?: \(at [^)]*\))?: /, '') || 'unknown jq error';
}
