import { isMap, isNode, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Problem } from './problems.js';

/** A parsed YAML (or JSON) file that remembers where each value came from. */
export interface SourceDocument {
  file: string;
  /** The document as plain JavaScript values. */
  value: unknown;
  /** Line and column of the value at `segments`, or of its nearest existing ancestor. */
  locate(segments: readonly (string | number)[]): { line: number; column: number } | undefined;
  /** Line and column of the key `key` in the mapping at `segments` (for unknown-key errors). */
  locateKey(segments: readonly (string | number)[], key: string): { line: number; column: number } | undefined;
}

export type ParseResult = { ok: true; document: SourceDocument } | { ok: false; problems: Problem[] };

/**
 * Parses YAML text (JSON is YAML too) keeping node positions, so later validation errors can
 * name lines. Syntax errors come back as problems with their position, all of them at once.
 */
export function parseSourceDocument(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One syntax error cascades into many follow-ups; the first per line, five at most, is what helps.
    const problems: Problem[] = [];
    const lines = new Set<number>();
    for (const error of doc.errors) {
      const position = lineCounter.linePos(error.pos[0]);
      if (lines.has(position.line) || problems.length === 5) continue;
      lines.add(position.line);
      const lineText = text.split('\n')[position.line - 1] ?? '';
      // `${VAR}` is fine in block style but `{` ends a plain scalar inside `{ }` / `[ ]`.
      const hint = /\$\{/.test(lineText) && /[{[]/.test(lineText.replace(/\$\{[^}]*\}/g, '')) ? ' (inside { } or [ ], quote values that use ${VAR}: "${VAR}")' : '';
      problems.push({ file, path: '', line: position.line, column: position.col, message: firstLine(error.message) + hint });
    }
    return { ok: false, problems };
  }
  const at = (offset: number | undefined) => {
    if (offset === undefined) return undefined;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  return {
    ok: true,
    document: {
      file,
      value: doc.toJS({ maxAliasCount: 100 }),
      locate: (segments) => at(nearestNode(doc, segments)?.range?.[0]),
      locateKey: (segments, key) => {
        const parent = nodeAt(doc, segments);
        if (isMap(parent)) {
          for (const pair of parent.items) {
            if (isNode(pair.key) && (pair.key as { value?: unknown }).value === key) return at(pair.key.range?.[0]);
          }
        }
        return at(nearestNode(doc, segments)?.range?.[0]);
      },
    },
  };
}

function nodeAt(doc: Document, segments: readonly (string | number)[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const segment of segments) {
    if (isMap(node) || isSeq(node)) node = node.get(segment, true);
    else return undefined;
  }
  return isNode(node) ? node : undefined;
}

function nearestNode(doc: Document, segments: readonly (string | number)[]): Node | undefined {
  for (let length = segments.length; length >= 0; length--) {
    const node = nodeAt(doc, segments.slice(0, length));
    if (node?.range) return node;
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
