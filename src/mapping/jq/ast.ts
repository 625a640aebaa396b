/**
 * The syntax tree of the jq subset the fast path understands. Anything outside it makes the
 * parser throw `UnsupportedJq`, and the expression runs on jq-wasm instead.
 */
export type JqNode =
  | { t: 'identity' }
  | { t: 'literal'; value: unknown }
  | { t: 'string'; parts: (string | JqNode)[] }
  | { t: 'index'; target: JqNode; key: JqNode; opt: boolean }
  | { t: 'slice'; target: JqNode; from: JqNode | undefined; to: JqNode | undefined; opt: boolean }
  | { t: 'iterate'; target: JqNode; opt: boolean }
  | { t: 'try'; body: JqNode }
  | { t: 'array'; body: JqNode | undefined }
  | { t: 'object'; entries: { key: JqNode; value: JqNode }[] }
  | { t: 'pipe'; left: JqNode; right: JqNode }
  | { t: 'comma'; left: JqNode; right: JqNode }
  | { t: 'alt'; left: JqNode; right: JqNode }
  | { t: 'and'; left: JqNode; right: JqNode }
  | { t: 'or'; left: JqNode; right: JqNode }
  | { t: 'binop'; op: BinaryOperator; left: JqNode; right: JqNode }
  | { t: 'neg'; body: JqNode }
  | { t: 'if'; branches: { cond: JqNode; then: JqNode }[]; otherwise: JqNode | undefined }
  | { t: 'var'; name: string }
  | { t: 'bind'; source: JqNode; name: string; body: JqNode }
  /** `path |= body` */
  | { t: 'update'; path: JqNode; body: JqNode }
  | { t: 'call'; name: string; args: JqNode[] };

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Thrown by the fast-path parser and compiler for syntax they do not cover. Never escapes the engine. */
export class UnsupportedJq extends Error {
  override name = 'UnsupportedJq';
}
