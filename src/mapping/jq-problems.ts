import { isMap, isNode, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { MappingEngine } from './engine.js';
import type { PortAppConfig } from './types.js';

/** One jq expression of a mapping that jq refuses to compile, and where it is written. */
export interface JqProblem {
  resourceIndex: number;
  kind: string;
  /** The field inside the resource, as `marina map` names it: `port.entity.mappings.properties.url`, `selector.query`. */
  field: string;
  expression: string;
  /** jq's message (first line). */
  error: string;
  /** 1-based position of the expression in the mapping file, when it could be found. */
  line?: number;
  column?: number;
}

/**
 * Compiles every jq expression of a port-app-config (of every resource, or of those at
 * `resourceIndexes`) and reports each one jq refuses, with its resource, field and line. Ocean
 * maps such a field to null at run time; `marina map` and `marina validate` report it up front.
 * `text` is the file the config was parsed from, for the lines.
 */
export async function findJqProblems(config: PortAppConfig, text: string, engine: MappingEngine, resourceIndexes?: readonly number[]): Promise<JqProblem[]> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false });
  const problems: JqProblem[] = [];
  const indexes = resourceIndexes ?? config.resources.map((_, index) => index);
  for (const index of indexes) {
    const resource = config.resources[index];
    if (resource === undefined) continue;
    const compiled = await engine.compile(resource);
    for (const problem of compiled.problems) {
      const segments = fieldSegments(problem.path);
      const node = nearestNode(document.contents, ['resources', index, ...segments]);
      const position = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
      problems.push({
        resourceIndex: index,
        kind: resource.kind,
        field: displayField(problem.path),
        expression: problem.expression,
        error: problem.error.split('\n')[0] ?? problem.error,
        ...(position ? { line: position.line, column: position.col } : {}),
      });
    }
  }
  return problems;
}

/** The engine's field paths are relative to the entity mappings, except the selector's and itemsToParse's. */
function displayField(path: string): string {
  return path.startsWith('selector') || path.startsWith('port.') ? path : `port.entity.mappings.${path}`;
}

/** `port.entity.mappings.relations.owner.rules[0].value` as document segments. */
function fieldSegments(path: string): (string | number)[] {
  const field = displayField(path).replace(/ \(.*\)$/, ''); // "port.itemsToParse (top-level transform)"
  return field
    .split(/\.|(?=\[)/)
    .filter(Boolean)
    .map((part) => (/^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part));
}

function nearestNode(root: unknown, segments: readonly (string | number)[]): Node | undefined {
  let node: unknown = root;
  let found: Node | undefined = isNode(root) ? root : undefined;
  for (const segment of segments) {
    if (!isMap(node) && !isSeq(node)) break;
    node = node.get(segment, true);
    if (!isNode(node)) break;
    found = node;
  }
  return found;
}
