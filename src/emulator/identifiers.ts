/**
 * Port's identifier rules, as published in its OpenAPI spec. Entity identifiers allow `=`,
 * blueprint identifiers do not; neither may be exactly `.` or `..` (they would be path segments).
 */
export const ENTITY_IDENTIFIER = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
export const BLUEPRINT_IDENTIFIER = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$/u;
/** Property, relation, mirror, calculation and aggregation identifiers. */
export const FIELD_IDENTIFIER = /^[A-Za-z0-9@_=-]+$/;

export const ENTITY_IDENTIFIER_MAX = 1000;
export const BLUEPRINT_IDENTIFIER_MAX = 100;
export const FIELD_IDENTIFIER_MAX = 100;

export function entityIdentifierProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > ENTITY_IDENTIFIER_MAX) return `must be at most ${ENTITY_IDENTIFIER_MAX} characters`;
  if (!ENTITY_IDENTIFIER.test(value)) return `must match ${ENTITY_IDENTIFIER.source}`;
  return undefined;
}

export function blueprintIdentifierProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > BLUEPRINT_IDENTIFIER_MAX) return `must be at most ${BLUEPRINT_IDENTIFIER_MAX} characters`;
  if (!BLUEPRINT_IDENTIFIER.test(value)) return `must match ${BLUEPRINT_IDENTIFIER.source}`;
  return undefined;
}

export function fieldIdentifierProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > FIELD_IDENTIFIER_MAX) return `must be at most ${FIELD_IDENTIFIER_MAX} characters`;
  if (!FIELD_IDENTIFIER.test(value)) return `must match ${FIELD_IDENTIFIER.source}`;
  return undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
