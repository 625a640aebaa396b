import { fullFormats } from 'ajv-formats/dist/formats.js';
import { entityIdentifierProblem, isPlainObject } from './identifiers.js';
import { PortApiError, schemaMismatch } from './port-error.js';
import type { Blueprint, PropertySchema, RelationValue } from './types.js';

/**
 * Checks an entity's properties and relations against its blueprint the way Port does: unknown
 * relations, JSON types, enum, format, string/number/array constraints, required properties, required
 * relations and relation arity. Relation targets are checked by the writer, which owns the store.
 */

type FormatCheck = RegExp | ((value: string) => boolean) | { validate: RegExp | ((value: string) => boolean) };

function formatCheck(name: string): ((value: string) => boolean) | undefined {
  const format = (fullFormats as Record<string, FormatCheck | undefined>)[name];
  if (format === undefined) return undefined;
  const check = format instanceof RegExp || typeof format === 'function' ? format : format.validate;
  return check instanceof RegExp ? (value) => check.test(value) : check;
}

/** Port's string formats mapped to the JSON-Schema checks that define them; others are free text. */
const FORMAT_CHECKS: Record<string, ((value: string) => boolean) | undefined> = {
  'date-time': formatCheck('date-time'),
  timer: formatCheck('date-time'),
  url: formatCheck('uri'),
  email: formatCheck('email'),
  'idn-email': (value) => /^[^\s@]+@[^\s@]+$/u.test(value),
  ipv4: formatCheck('ipv4'),
  ipv6: formatCheck('ipv6'),
};

const patternCache = new Map<string, RegExp>();

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Returns what is wrong with `value` for `schema`, or undefined when it fits. */
export function propertyValueProblem(schema: PropertySchema | Record<string, unknown>, value: unknown): string | undefined {
  const type = schema['type'];
  const actual = typeOf(value);
  if (type === 'number' ? actual !== 'number' || !Number.isFinite(value) : type === 'object' ? !isPlainObject(value) : type !== undefined && actual !== type) {
    return `must be of type ${String(type)}, got ${actual}`;
  }
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && !enumValues.some((allowed) => sameJson(allowed, value))) {
    return `must be one of ${JSON.stringify(enumValues)}`;
  }
  if (typeof value === 'string') {
    const format = schema['format'];
    const check = typeof format === 'string' ? FORMAT_CHECKS[format] : undefined;
    if (check !== undefined && !check(value)) return `must be a valid ${String(format)}`;
    const { minLength, maxLength, pattern } = schema as PropertySchema;
    if (typeof minLength === 'number' && value.length < minLength) return `must be at least ${minLength} characters`;
    if (typeof maxLength === 'number' && value.length > maxLength) return `must be at most ${maxLength} characters`;
    if (typeof pattern === 'string') {
      let regex = patternCache.get(pattern);
      if (regex === undefined) {
        regex = new RegExp(pattern, 'u');
        patternCache.set(pattern, regex);
      }
      if (!regex.test(value)) return `must match pattern ${pattern}`;
    }
  }
  if (typeof value === 'number') {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema as PropertySchema;
    if (typeof minimum === 'number' && value < minimum) return `must be >= ${minimum}`;
    if (typeof maximum === 'number' && value > maximum) return `must be <= ${maximum}`;
    if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) return `must be > ${exclusiveMinimum}`;
    if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum) return `must be < ${exclusiveMaximum}`;
  }
  if (Array.isArray(value)) {
    const { minItems, maxItems, uniqueItems, items } = schema as PropertySchema;
    if (typeof minItems === 'number' && value.length < minItems) return `must have at least ${minItems} items`;
    if (typeof maxItems === 'number' && value.length > maxItems) return `must have at most ${maxItems} items`;
    if (uniqueItems === true && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) return 'must not contain duplicate items';
    if (isPlainObject(items)) {
      for (let i = 0; i < value.length; i++) {
        const problem = propertyValueProblem(items, value[i]);
        if (problem !== undefined) return `item ${i} ${problem}`;
      }
    }
  }
  return undefined;
}

export interface EntityShape {
  identifier: string;
  properties: Record<string, unknown>;
  relations: Record<string, RelationValue>;
}

/** Checks a complete (post-merge) entity against its blueprint. */
export function entitySchemaProblem(entity: EntityShape, blueprint: Blueprint): PortApiError | undefined {
  const where = `entity "${entity.identifier}" of blueprint "${blueprint.identifier}"`;
  for (const [id, value] of Object.entries(entity.properties)) {
    const schema = blueprint.schema.properties[id];
    // The writer keeps only defined properties (as Port does); one left over is the store's own
    // (a property since removed from the blueprint) and is not the writer's to judge.
    if (schema === undefined) continue;
    if (value === null) continue;
    const problem = propertyValueProblem(schema, value);
    if (problem !== undefined) return schemaMismatch(`${where}: property "${id}" ${problem}`);
  }
  for (const id of blueprint.schema.required ?? []) {
    const value = entity.properties[id];
    if (value === undefined || value === null) return schemaMismatch(`${where}: required property "${id}" is missing`);
  }
  for (const [id, value] of Object.entries(entity.relations)) {
    const schema = blueprint.relations[id];
    if (schema === undefined) return schemaMismatch(`${where}: relation "${id}" is not defined in the blueprint`);
    if (value === null) continue;
    if (Array.isArray(value)) {
      if (!schema.many) return new PortApiError(422, 'relation_many_violation', `${where}: relation "${id}" takes one identifier, got an array`);
      for (const item of value) {
        const problem = entityIdentifierProblem(item);
        if (problem !== undefined) return schemaMismatch(`${where}: relation "${id}" item ${JSON.stringify(item)} ${problem}`);
      }
    } else {
      if (schema.many) return new PortApiError(422, 'relation_many_violation', `${where}: relation "${id}" takes an array of identifiers`);
      const problem = entityIdentifierProblem(value);
      if (problem !== undefined) return schemaMismatch(`${where}: relation "${id}" value ${problem}`);
    }
  }
  for (const [id, schema] of Object.entries(blueprint.relations)) {
    if (!schema.required) continue;
    const value = entity.relations[id];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      return new PortApiError(422, 'required_relation', `${where}: required relation "${id}" is missing`);
    }
  }
  return undefined;
}
