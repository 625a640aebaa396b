import { readFile } from 'node:fs/promises';
import type { Problem } from '../config/problems.js';
import { describeError, isMarinaError } from '../errors.js';
import { findJqProblems, parsePortAppConfig, type MappingEngine, type MappingProblem } from '../mapping/index.js';

/**
 * Every problem of one port-app-config file: unreadable YAML, what the mapping schema refuses,
 * and every jq expression jq cannot compile (with resource index, kind, field and line), as
 * `marina map` reports them.
 */
export async function mappingFileProblems(file: string, engine: MappingEngine): Promise<Problem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return [{ file, path: '', message: `cannot read the mapping file: ${(error as Error).message}` }];
  }
  let config;
  try {
    config = parsePortAppConfig(text, file);
  } catch (error) {
    if (isMarinaError(error) && Array.isArray(error.details['problems'])) {
      return (error.details['problems'] as MappingProblem[]).map((problem) => ({ file, path: problem.path, message: problem.message, ...(problem.line ? { line: problem.line } : {}) }));
    }
    const line = isMarinaError(error) && typeof error.details['line'] === 'number' ? error.details['line'] : undefined;
    // The parser's message starts with the file (and line); the problem line names them already.
    const message = describeError(error).replace(new RegExp(`^${escapeRegExp(file)}(:\\d+)?: `), '');
    return [{ file, path: '', message, ...(line === undefined ? {} : { line }) }];
  }
  const jqProblems = await findJqProblems(config, text, engine);
  return jqProblems.map((problem) => ({
    file,
    path: `resources[${problem.resourceIndex}].${problem.field}`,
    message: `${JSON.stringify(problem.expression)} is not valid jq (kind "${problem.kind}"): ${problem.error}`,
    ...(problem.line === undefined ? {} : { line: problem.line, column: problem.column }),
  }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
