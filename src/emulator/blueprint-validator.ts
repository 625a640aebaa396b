import { blueprintIdentifierProblem, fieldIdentifierProblem, isPlainObject } from './identifiers.js';
import { invalidRequest, PortApiError } from './port-error.js';
import type { Blueprint, PropertySchema, RelationSchema } from './types.js';

/**
 * Port's blueprint rules: identifier and title limits, property types and formats, relations
 * whose target must already exist, and a property's type fixed once created.
 */

export const PROPERTY_TYPES = new Set(['string', 'number', 'boolean', 'object', 'array']);
/**
 * Legacy property type still in the wild: Ocean's argocd integration ships `"type": "enum"` with
 * an `enum` list in its default blueprints. Port's published blueprint schema has no such type,
 * so it is stored as the type of its values (`string` or `number`).
 */
const LEGACY_ENUM_TYPE = 'enum';
export const PROPERTY_FORMATS = new Set([
  'date-time', 'url', 'email', 'idn-email', 'ipv4', 'ipv6', 'markdown', 'yaml', 'user', 'blueprints',
  'team', 'timer', 'proto', 'labeled-url',
]);
const TOP_LEVEL_KEYS = new Set([
  'identifier', 'title', 'description', 'icon', 'schema', 'relations', 'mirrorProperties',
  'calculationProperties', 'aggregationProperties', 'ownership', 'teamInheritance', 'changelogDestination',
  // Accepted and ignored on input so a blueprint read from Port can be written back unchanged.
  'createdAt', 'updatedAt', 'createdBy', 'updatedBy',
]);

export type BlueprintWriteMode = 'create' | 'replace' | 'patch';

export interface BlueprintWriteContext {
  /** Does a blueprint with this identifier exist (after this write)? */
  blueprintExists(identifier: string): boolean;
  actor: string;
  now: string;
}

function fail(message: string): never {
  throw invalidRequest(message);
}

function validateProperty(where: string, value: unknown, before: PropertySchema | undefined): PropertySchema {
  if (!isPlainObject(value)) fail(`${where} must be an object`);
  const type = value['type'];
  const legacyEnum = type === LEGACY_ENUM_TYPE && Array.isArray(value['enum']);
  if (typeof type !== 'string' || (!PROPERTY_TYPES.has(type) && !legacyEnum)) {
    fail(`${where}.type must be one of ${[...PROPERTY_TYPES].join(', ')}`);
  }
  if (value['format'] !== undefined && (typeof value['format'] !== 'string' || !PROPERTY_FORMATS.has(value['format']))) {
    fail(`${where}.format must be one of ${[...PROPERTY_FORMATS].join(', ')}`);
  }
  if (value['enum'] !== undefined && !Array.isArray(value['enum'])) fail(`${where}.enum must be an array`);
  if (value['items'] !== undefined && !isPlainObject(value['items'])) fail(`${where}.items must be an object`);
  if (value['pattern'] !== undefined) {
    if (typeof value['pattern'] !== 'string') fail(`${where}.pattern must be a string`);
    try {
      new RegExp(value['pattern'], 'u');
    } catch {
      fail(`${where}.pattern is not a valid regular expression`);
    }
  }
  for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems']) {
    if (value[key] !== undefined && typeof value[key] !== 'number') fail(`${where}.${key} must be a number`);
  }
  let normalised = value as PropertySchema;
  if (legacyEnum) {
    const values = value['enum'] as unknown[];
    const valueType = values.every((item) => typeof item === 'number') ? 'number' : values.every((item) => typeof item === 'string') ? 'string' : undefined;
    if (valueType === undefined) fail(`${where}.enum must hold only strings or only numbers when type is "enum"`);
    normalised = { ...value, type: valueType } as PropertySchema;
  }
  if (before !== undefined && before.type !== normalised.type) {
    fail(`${where}.type cannot change from ${before.type} to ${normalised.type}: a property's type is fixed once created`);
  }
  return normalised;
}

function validateRelation(where: string, value: unknown, ctx: BlueprintWriteContext): RelationSchema {
  if (!isPlainObject(value)) fail(`${where} must be an object`);
  const target = value['target'];
  if (typeof target !== 'string') fail(`${where}.target must be a blueprint identifier`);
  if (!ctx.blueprintExists(target)) fail(`${where}.target: blueprint "${target}" does not exist`);
  for (const key of ['required', 'many']) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') fail(`${where}.${key} must be a boolean`);
  }
  if (value['title'] !== undefined && (typeof value['title'] !== 'string' || value['title'].length > 100)) {
    fail(`${where}.title must be a string of at most 100 characters`);
  }
  return { ...value, target, required: value['required'] === true, many: value['many'] === true };
}

function validateFieldMap<T>(where: string, value: unknown, each: (where: string, id: string, item: unknown) => T): Record<string, T> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) fail(`${where} must be an object`);
  const out: Record<string, T> = {};
  for (const [id, item] of Object.entries(value)) {
    const problem = fieldIdentifierProblem(id);
    if (problem !== undefined) fail(`${where} key "${id}" ${problem}`);
    out[id] = each(`${where}.${id}`, id, item);
  }
  return out;
}

/**
 * Builds the stored blueprint for a create (POST), replace (PUT) or patch (PATCH). PATCH replaces
 * the top-level keys it carries, as Ocean's default setup relies on (bare POST, then PATCH with
 * relations, then PATCH with mirror and calculated properties).
 */
export function buildBlueprint(
  mode: BlueprintWriteMode,
  body: unknown,
  existing: Blueprint | undefined,
  ctx: BlueprintWriteContext,
  pathIdentifier?: string,
): Blueprint {
  if (!isPlainObject(body)) fail('body must be a JSON object');
  for (const key of Object.keys(body)) if (!TOP_LEVEL_KEYS.has(key)) fail(`body/${key} is not a blueprint field`);

  const merged: Record<string, unknown> = mode === 'patch' && existing !== undefined ? { ...existing, ...body } : { ...body };
  const identifier = mode === 'create' ? merged['identifier'] : (pathIdentifier ?? existing?.identifier);
  if (mode !== 'create' && body['identifier'] !== undefined && body['identifier'] !== identifier) {
    fail(`body/identifier "${String(body['identifier'])}" differs from the blueprint in the path; renaming is not supported`);
  }
  const problem = blueprintIdentifierProblem(identifier);
  if (problem !== undefined) fail(`body/identifier ${problem}`);
  const id = identifier as string;

  const title = merged['title'];
  if (typeof title !== 'string' || title.length < 1 || title.length > 100) fail('body/title must be a string of 1 to 100 characters');
  const description = merged['description'];
  if (description !== undefined && (typeof description !== 'string' || description.length > 200)) {
    fail('body/description must be a string of at most 200 characters');
  }
  if (merged['icon'] !== undefined && typeof merged['icon'] !== 'string') fail('body/icon must be a string');

  const schema = merged['schema'];
  if (!isPlainObject(schema)) fail('body/schema must be an object with "properties"');
  for (const key of Object.keys(schema)) if (key !== 'properties' && key !== 'required') fail(`body/schema/${key} is not allowed`);
  const properties = validateFieldMap('body/schema/properties', schema['properties'] ?? {}, (where, propId, item) =>
    validateProperty(where, item, existing?.schema.properties[propId]),
  );
  const required = schema['required'];
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((item) => typeof item !== 'string')) fail('body/schema/required must be an array of property identifiers');
    for (const item of required as string[]) if (properties[item] === undefined) fail(`body/schema/required names "${item}", which is not a property`);
  }

  const selfAware: BlueprintWriteContext = { ...ctx, blueprintExists: (bp) => bp === id || ctx.blueprintExists(bp) };
  const relations = validateFieldMap('body/relations', merged['relations'], (where, _id, item) => validateRelation(where, item, selfAware));
  const mirrorProperties = validateFieldMap('body/mirrorProperties', merged['mirrorProperties'], (where, _id, item) => {
    if (!isPlainObject(item) || typeof item['path'] !== 'string') fail(`${where}.path must be a string`);
    const first = item['path'].split('.')[0] ?? '';
    if (relations[first] === undefined) fail(`${where}.path must start with one of this blueprint's relations; "${first}" is not one`);
    return item;
  });
  const calculationProperties = validateFieldMap('body/calculationProperties', merged['calculationProperties'], (where, _id, item) => {
    if (!isPlainObject(item) || typeof item['calculation'] !== 'string') fail(`${where}.calculation must be a jq string`);
    if (typeof item['type'] !== 'string' || !PROPERTY_TYPES.has(item['type'])) fail(`${where}.type must be a property type`);
    return item;
  });
  const aggregationProperties = validateFieldMap('body/aggregationProperties', merged['aggregationProperties'], (where, _id, item) => {
    if (!isPlainObject(item)) fail(`${where} must be an object`);
    if (typeof item['target'] !== 'string' || !selfAware.blueprintExists(item['target'])) fail(`${where}.target must name an existing blueprint`);
    if (!isPlainObject(item['calculationSpec'])) fail(`${where}.calculationSpec must be an object`);
    return item;
  });

  const blueprint: Blueprint = {
    identifier: id,
    title,
    schema: { properties, ...(required === undefined ? {} : { required: required as string[] }) },
    relations,
    mirrorProperties,
    calculationProperties,
    aggregationProperties,
    createdAt: existing?.createdAt ?? ctx.now,
    updatedAt: ctx.now,
    createdBy: existing?.createdBy ?? ctx.actor,
    updatedBy: ctx.actor,
  };
  if (description !== undefined) blueprint.description = description as string;
  if (merged['icon'] !== undefined) blueprint.icon = merged['icon'] as string;
  for (const key of ['ownership', 'teamInheritance', 'changelogDestination'] as const) {
    if (merged[key] !== undefined && merged[key] !== null) blueprint[key] = merged[key];
  }
  return blueprint;
}

export function blueprintInUse(identifier: string, blueprints: Iterable<Blueprint>, entityCount: number): PortApiError | undefined {
  if (entityCount > 0) {
    return new PortApiError(422, 'blueprint_has_entities', `blueprint "${identifier}" still has ${entityCount} entities; delete them first`);
  }
  for (const other of blueprints) {
    if (other.identifier === identifier) continue;
    for (const [relation, schema] of Object.entries(other.relations)) {
      if (schema.target === identifier) {
        return new PortApiError(422, 'blueprint_is_relation_target', `blueprint "${identifier}" is the target of relation "${relation}" of blueprint "${other.identifier}"`);
      }
    }
  }
  return undefined;
}
