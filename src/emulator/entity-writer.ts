import { randomBytes } from 'node:crypto';
import { entitySchemaProblem } from './entity-validator.js';
import { entityIdentifierProblem, isPlainObject } from './identifiers.js';
import { invalidRequest, identifierTaken, notFound, PortApiError } from './port-error.js';
import { searchEntities, type SearchContext } from './search.js';
import { entityKey, getEntity, relationTargets, splitEntityKey, type EmulatorState, type StoreOp } from './state.js';
import type { Blueprint, RelationValue, StoredEntity } from './types.js';

/**
 * Plans entity writes and deletes: it validates everything and returns the store operations, so
 * a request either commits all of its changes in one journal record or none of them. A batch
 * (bulk upsert) plans its items in order against an overlay, so item 3 sees item 1's result.
 */

export interface WriteFlags {
  upsert: boolean;
  merge: boolean;
  validationOnly: boolean;
  createMissingRelatedEntities: boolean;
}

export interface WriteContext {
  state: EmulatorState;
  /** The client id of the token, recorded as createdBy/updatedBy. */
  actor: string;
  /** The request's User-Agent, recorded as the entity's datasource. */
  datasource: string;
  now: Date;
}

/** Blueprints whose entities Port never auto-creates as missing relation targets. */
const PROTECTED_BLUEPRINTS = new Set(['_user', '_team']);

export interface EntityWriteResult {
  entity: StoredEntity;
  created: boolean;
  /** Relation targets created as stubs because `create_missing_related_entities` was on. */
  stubs: StoredEntity[];
}

/** A write batch: planned changes, visible to later items of the same request before commit. */
export interface WriteBatch {
  readonly ops: StoreOp[];
  lookup(blueprint: string, identifier: string): StoredEntity | undefined;
  plan(blueprint: Blueprint, body: unknown, flags: WriteFlags): EntityWriteResult;
}

function searchContext(ctx: WriteContext): SearchContext {
  return { state: ctx.state, now: ctx.now };
}

/** Resolves a search-query identifier or relation value to identifiers in `blueprint`. */
function resolveQuery(ctx: WriteContext, query: unknown, blueprint: string, where: string): string[] {
  try {
    return searchEntities(searchContext(ctx), query, blueprint).map((entity) => entity.identifier);
  } catch (error) {
    if (error instanceof PortApiError) throw invalidRequest(`${where}: ${error.message}`);
    throw error;
  }
}

/**
 * Port accepts property keys its blueprint does not define and keeps only the defined ones: the
 * write succeeds and the entity holds (and returns) the blueprint's properties alone. Ocean relies
 * on it: its fake integration maps `name` and `department` onto a fake-person blueprint without
 * them, and its smoke test against Port expects those persons to exist. Relations are not
 * forgiven this way: an undefined relation is still refused.
 */
function propertiesTheBlueprintDefines(properties: Record<string, unknown>, blueprint: Blueprint): Record<string, unknown> {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (Object.hasOwn(blueprint.schema.properties, key)) defined[key] = value;
  }
  return defined;
}

function readTeam(ctx: WriteContext, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  if (isPlainObject(value)) return resolveQuery(ctx, value, '_team', 'team');
  throw invalidRequest('team must be a string, an array of strings or a search query');
}

export function createWriteBatch(ctx: WriteContext): WriteBatch {
  const overlay = new Map<string, StoredEntity>();
  const ops: StoreOp[] = [];
  const now = ctx.now.toISOString();

  const lookup = (blueprint: string, identifier: string) =>
    overlay.get(entityKey(blueprint, identifier)) ?? getEntity(ctx.state, blueprint, identifier);

  const stage = (entity: StoredEntity) => {
    overlay.set(entityKey(entity.blueprint, entity.identifier), entity);
    ops.push({ op: 'entity.put', entity });
  };

  function plan(blueprint: Blueprint, body: unknown, flags: WriteFlags): EntityWriteResult {
    if (!isPlainObject(body)) throw invalidRequest('entity must be a JSON object');
    if (body['blueprint'] !== undefined && body['blueprint'] !== blueprint.identifier) {
      throw invalidRequest(`entity.blueprint "${String(body['blueprint'])}" differs from the blueprint in the path "${blueprint.identifier}"`);
    }

    let identifier: string;
    const rawId = body['identifier'];
    if (rawId === undefined) {
      identifier = `${blueprint.identifier}-${randomBytes(6).toString('hex')}`;
    } else if (isPlainObject(rawId)) {
      const found = resolveQuery(ctx, rawId, blueprint.identifier, 'identifier');
      if (found.length === 0) {
        throw new PortApiError(404, 'not_found', `no entity of blueprint "${blueprint.identifier}" matches the identifier search query`, { identifier: 'unknown' });
      }
      if (found.length > 1) throw invalidRequest(`the identifier search query matches ${found.length} entities of blueprint "${blueprint.identifier}"; it must match one`);
      identifier = found[0] as string;
    } else {
      const problem = entityIdentifierProblem(rawId);
      if (problem !== undefined) throw invalidRequest(`entity identifier ${JSON.stringify(rawId)} ${problem}`);
      identifier = rawId as string;
    }

    for (const key of ['title', 'icon'] as const) {
      if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'string') throw invalidRequest(`entity "${identifier}": ${key} must be a string`);
    }
    if (body['properties'] !== undefined && !isPlainObject(body['properties'])) throw invalidRequest(`entity "${identifier}": properties must be an object`);
    if (body['relations'] !== undefined && !isPlainObject(body['relations'])) throw invalidRequest(`entity "${identifier}": relations must be an object`);

    const existing = lookup(blueprint.identifier, identifier);
    if (existing !== undefined && !flags.upsert) {
      throw identifierTaken(`entity "${identifier}" of blueprint "${blueprint.identifier}" already exists; send upsert=true to update it`);
    }

    const bodyRelations: Record<string, RelationValue> = {};
    for (const [relation, value] of Object.entries((body['relations'] as Record<string, unknown> | undefined) ?? {})) {
      const schema = blueprint.relations[relation];
      if (isPlainObject(value)) {
        if (schema === undefined) throw invalidRequest(`entity "${identifier}": relation "${relation}" is not defined in blueprint "${blueprint.identifier}"`);
        const found = resolveQuery(ctx, value, schema.target, `relations.${relation}`);
        if (schema.many) bodyRelations[relation] = found;
        else if (found.length === 1) bodyRelations[relation] = found[0] as string;
        else if (found.length === 0) throw notFound(`entity "${identifier}": the search query of relation "${relation}" matches no entity of blueprint "${schema.target}"`);
        else throw invalidRequest(`entity "${identifier}": the search query of relation "${relation}" matches ${found.length} entities; it takes one`);
      } else if (value === null || typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
        bodyRelations[relation] = value as RelationValue;
      } else {
        throw invalidRequest(`entity "${identifier}": relation "${relation}" must be an identifier, an array of identifiers, null or a search query`);
      }
    }
    const team = readTeam(ctx, body['team']);
    const bodyProperties = propertiesTheBlueprintDefines((body['properties'] as Record<string, unknown> | undefined) ?? {}, blueprint);
    const merging = flags.merge && existing !== undefined;
    const title = body['title'] === undefined ? (merging ? existing.title : undefined) : (body['title'] as string | null) ?? undefined;
    const icon = body['icon'] === undefined ? (merging ? existing.icon : undefined) : (body['icon'] as string | null) ?? undefined;

    const entity: StoredEntity = {
      identifier,
      blueprint: blueprint.identifier,
      team: team ?? (merging ? existing.team : []),
      properties: merging ? { ...existing.properties, ...bodyProperties } : { ...bodyProperties },
      relations: merging ? { ...existing.relations, ...bodyRelations } : bodyRelations,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      createdBy: existing?.createdBy ?? ctx.actor,
      updatedBy: ctx.actor,
      datasource: ctx.datasource,
    };
    if (title !== undefined) entity.title = title;
    if (icon !== undefined) entity.icon = icon;

    const problem = entitySchemaProblem(entity, blueprint);
    if (problem !== undefined) throw problem;

    const stubs: StoredEntity[] = [];
    for (const [relation, value] of Object.entries(entity.relations)) {
      const target = blueprint.relations[relation]?.target as string;
      for (const id of relationTargets(value)) {
        if (target === blueprint.identifier && id === identifier) continue;
        if (lookup(target, id) !== undefined || stubs.some((stub) => stub.blueprint === target && stub.identifier === id)) continue;
        if (!flags.createMissingRelatedEntities || PROTECTED_BLUEPRINTS.has(target)) {
          throw notFound(`entity "${identifier}": related entity "${id}" of blueprint "${target}" (relation "${relation}") does not exist`);
        }
        const targetBlueprint = ctx.state.blueprints.get(target);
        if (targetBlueprint === undefined) throw notFound(`blueprint "${target}" does not exist`);
        const stub: StoredEntity = {
          identifier: id, blueprint: target, team: [], properties: {}, relations: {},
          createdAt: now, updatedAt: now, createdBy: ctx.actor, updatedBy: ctx.actor, datasource: ctx.datasource,
        };
        const stubProblem = entitySchemaProblem(stub, targetBlueprint);
        if (stubProblem !== undefined) {
          throw new PortApiError(422, stubProblem.error, `cannot create missing related entity "${id}" of blueprint "${target}": ${stubProblem.message}`);
        }
        stubs.push(stub);
      }
    }

    if (!flags.validationOnly) {
      for (const stub of stubs) stage(stub);
      stage(entity);
    }
    return { entity, created: existing === undefined, stubs };
  }

  return { ops, lookup, plan };
}

export interface DeletePlan {
  ops: StoreOp[];
  deleted: { blueprint: string; identifier: string }[];
}

/**
 * Plans deleting `identifiers` of `blueprint`. With `deleteDependents`, every entity that relates
 * to a deleted one goes too (transitively). Without it, an entity that holds a *required*
 * relation to a deleted one blocks the whole call; optional relations to it are cleared.
 */
export function planDelete(
  state: EmulatorState,
  blueprint: string,
  identifiers: string[],
  deleteDependents: boolean,
): DeletePlan {
  const doomed = new Set<string>();
  const queue: string[] = [];
  for (const id of identifiers) {
    if (getEntity(state, blueprint, id) === undefined) continue;
    const key = entityKey(blueprint, id);
    if (!doomed.has(key)) {
      doomed.add(key);
      queue.push(key);
    }
  }
  if (deleteDependents) {
    while (queue.length > 0) {
      const key = queue.pop() as string;
      for (const referrer of state.referrers.get(key) ?? []) {
        if (doomed.has(referrer)) continue;
        doomed.add(referrer);
        queue.push(referrer);
      }
    }
  }

  const ops: StoreOp[] = [];
  const cleared = new Map<string, StoredEntity>();
  for (const key of doomed) {
    const target = splitEntityKey(key);
    for (const referrer of state.referrers.get(key) ?? []) {
      if (doomed.has(referrer)) continue;
      const source = splitEntityKey(referrer);
      const entity = cleared.get(referrer) ?? getEntity(state, source.blueprint, source.identifier);
      const schema = state.blueprints.get(source.blueprint);
      if (entity === undefined || schema === undefined) continue;
      const relations = { ...entity.relations };
      for (const [relation, value] of Object.entries(relations)) {
        const relationSchema = schema.relations[relation];
        if (relationSchema?.target !== target.blueprint || !relationTargets(value).includes(target.identifier)) continue;
        const rest = relationTargets(value).filter((id) => id !== target.identifier);
        if (relationSchema.required && rest.length === 0) {
          throw new PortApiError(
            422,
            'required_relation',
            `entity "${target.identifier}" of blueprint "${target.blueprint}" is the required "${relation}" of entity "${source.identifier}" (blueprint "${source.blueprint}"); send delete_dependents=true to delete it too`,
          );
        }
        relations[relation] = Array.isArray(value) ? rest : null;
      }
      cleared.set(referrer, { ...entity, relations });
    }
  }
  for (const entity of cleared.values()) ops.push({ op: 'entity.put', entity });
  const deleted = [...doomed].map(splitEntityKey);
  for (const item of deleted) ops.push({ op: 'entity.delete', blueprint: item.blueprint, identifier: item.identifier });
  return { ops, deleted };
}
