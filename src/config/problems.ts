/**
 * A "problem" is one thing wrong with an input file, located precisely enough for an operator to
 * fix it without reading a stack trace: the file, the path inside the document and, when known,
 * the line and column. Validation collects every problem before failing, so one run shows them all.
 */
export interface Problem {
  /** The file the problem is in (as given by the operator, or absolute). */
  file: string;
  /** Path inside the document, such as `integrations[2].eventListener.type`; '' for the root. */
  path: string;
  /** 1-based line and column, when the document gives them. */
  line?: number;
  column?: number;
  message: string;
}

/** `config/marina.yaml:12:7: integrations[2].eventListener.type: must be one of ...` */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n');
}

/** Path segments to the display form: `['integrations', 2, 'type']` gives `integrations[2].type`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
