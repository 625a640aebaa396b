import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { blueprintInUse } from '../blueprint-validator.js';
import type { EmulatorContext } from '../context.js';
import { createWriteBatch, planDelete, type WriteFlags } from '../entity-writer.js';
import { withComputedProperties } from '../computed.js';
import { isPlainObject } from '../identifiers.js';
import { invalidRequest, notFound, PortApiError } from '../port-error.js';
import { entityJson, projectEntity } from '../projection.js';
import type { StoreOp } from '../state.js';
import type { StoredEntity } from '../types.js';
import { boolParam, listParam, requireBlueprint, type Query } from './query.js';

type BlueprintParams = { blueprint: string };
type EntityParams = { blueprint: string; entity: string };

export const BULK_UPSERT_MAX = 20;
export const BULK_DELETE_MAX = 100;

function writeFlags(query: Query): WriteFlags {
  return {
    upsert: boolParam(query, 'upsert', false),
    merge: boolParam(query, 'merge', false),
    validationOnly: boolParam(query, 'validation_only', false),
    createMissingRelatedEntities: boolParam(query, 'create_missing_related_entities', false),
  };
}

export function registerEntityRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const state = () => ctx.persistence.state;
  /** Adds mirror and aggregation properties unless the caller asked to leave them out. */
  const present = (query: Query) => {
    if (boolParam(query, 'exclude_calculated_properties', false)) return (entity: StoredEntity) => entity;
    const context = { state: state(), now: ctx.now() };
    return (entity: StoredEntity) => withComputedProperties(context, entity);
  };
  const batchFor = (request: FastifyRequest) =>
    createWriteBatch({
      state: state(),
      actor: ctx.actorOf(request),
      datasource: request.headers['user-agent'] ?? '',
      now: ctx.now(),
    });

  app.post<{ Params: BlueprintParams; Querystring: Query }>('/v1/blueprints/:blueprint/entities', async (request, reply) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const flags = writeFlags(request.query);
    const batch = batchFor(request);
    const result = batch.plan(blueprint, request.body, flags);
    ctx.persistence.commit(batch.ops);
    return reply.code(201).send({ ok: true, entity: entityJson(result.entity) });
  });

  app.post<{ Params: BlueprintParams; Querystring: Query }>('/v1/blueprints/:blueprint/entities/bulk', async (request, reply) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const flags = writeFlags(request.query);
    const body = request.body;
    if (!isPlainObject(body) || !Array.isArray(body['entities'])) throw invalidRequest('body must be {"entities": [...]}');
    for (const key of Object.keys(body)) if (key !== 'entities') throw invalidRequest(`body/${key} is not allowed`);
    const items = body['entities'] as unknown[];
    if (items.length < 1 || items.length > BULK_UPSERT_MAX) {
      throw invalidRequest(`body/entities must hold 1 to ${BULK_UPSERT_MAX} entities, got ${items.length}`);
    }
    const batch = batchFor(request);
    const entities: { index: number; identifier: string; created: boolean }[] = [];
    const errors: { index: number; identifier: string; statusCode: number; error: string; message: string }[] = [];
    items.forEach((item, index) => {
      try {
        const result = batch.plan(blueprint, item, flags);
        entities.push({ index, identifier: result.entity.identifier, created: result.created });
      } catch (error) {
        if (!(error instanceof PortApiError)) throw error;
        const literal = isPlainObject(item) && typeof item['identifier'] === 'string' ? item['identifier'] : undefined;
        const identifier = (error.details?.['identifier'] as string | undefined) ?? literal ?? 'unknown';
        errors.push({ index, identifier, statusCode: error.statusCode, error: error.error, message: error.message });
      }
    });
    ctx.persistence.commit(batch.ops);
    return reply.code(errors.length === 0 ? 200 : 207).send({ ok: errors.length === 0, entities, errors });
  });

  app.get<{ Params: BlueprintParams; Querystring: Query }>('/v1/blueprints/:blueprint/entities', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const projection = { include: listParam(request.query, 'include'), exclude: listParam(request.query, 'exclude') };
    const full = present(request.query);
    const entities = [...(state().entities.get(blueprint.identifier)?.values() ?? [])].map((entity) => projectEntity(full(entity), projection));
    return { ok: true, entities };
  });

  app.get<{ Params: BlueprintParams }>('/v1/blueprints/:blueprint/entities-count', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    return { ok: true, count: state().entities.get(blueprint.identifier)?.size ?? 0 };
  });

  app.get<{ Params: EntityParams; Querystring: Query }>('/v1/blueprints/:blueprint/entities/:entity', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const entity = state().entities.get(blueprint.identifier)?.get(request.params.entity);
    if (entity === undefined) throw notFound(`entity "${request.params.entity}" of blueprint "${blueprint.identifier}" does not exist`);
    const projection = { include: listParam(request.query, 'include'), exclude: listParam(request.query, 'exclude') };
    return { ok: true, entity: projectEntity(present(request.query)(entity), projection) };
  });

  // PATCH merges into an existing entity, PUT replaces one; both 404 when it is missing.
  for (const method of ['patch', 'put'] as const) {
    app[method]<{ Params: EntityParams; Querystring: Query }>('/v1/blueprints/:blueprint/entities/:entity', async (request) => {
      const blueprint = requireBlueprint(state(), request.params.blueprint);
      const id = request.params.entity;
      if (state().entities.get(blueprint.identifier)?.get(id) === undefined) {
        throw notFound(`entity "${id}" of blueprint "${blueprint.identifier}" does not exist`);
      }
      if (!isPlainObject(request.body)) throw invalidRequest('body must be a JSON object');
      const body = { ...request.body, identifier: request.body['identifier'] ?? id };
      if (body.identifier !== id) throw invalidRequest('renaming an entity is not supported by the emulator; the body identifier must match the path');
      const batch = batchFor(request);
      const result = batch.plan(blueprint, body, {
        upsert: true,
        merge: method === 'patch',
        validationOnly: false,
        createMissingRelatedEntities: boolParam(request.query, 'create_missing_related_entities', false),
      });
      ctx.persistence.commit(batch.ops);
      return { ok: true, entity: entityJson(result.entity) };
    });
  }

  app.delete<{ Params: EntityParams; Querystring: Query }>('/v1/blueprints/:blueprint/entities/:entity', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const id = request.params.entity;
    if (state().entities.get(blueprint.identifier)?.get(id) === undefined) {
      throw notFound(`entity "${id}" of blueprint "${blueprint.identifier}" does not exist`);
    }
    const plan = planDelete(state(), blueprint.identifier, [id], boolParam(request.query, 'delete_dependents', false));
    ctx.persistence.commit(plan.ops);
    return { ok: true };
  });

  app.post<{ Params: BlueprintParams; Querystring: Query }>('/v1/blueprints/:blueprint/bulk/entities/delete', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const body = request.body;
    if (!isPlainObject(body) || !Array.isArray(body['entities'])) throw invalidRequest('body must be {"entities": ["<identifier>", ...]}');
    const ids = body['entities'] as unknown[];
    if (ids.length < 1 || ids.length > BULK_DELETE_MAX) throw invalidRequest(`body/entities must hold 1 to ${BULK_DELETE_MAX} identifiers, got ${ids.length}`);
    ids.forEach((id, i) => {
      if (typeof id !== 'string') throw invalidRequest(`body/entities/${i} must be a string identifier`);
    });
    const plan = planDelete(state(), blueprint.identifier, ids as string[], boolParam(request.query, 'delete_dependents', false));
    ctx.persistence.commit(plan.ops);
    const requested = new Set(ids as string[]);
    const deletedEntities = plan.deleted.filter((item) => item.blueprint === blueprint.identifier && requested.has(item.identifier)).map((item) => item.identifier);
    return { ok: true, deletedEntities };
  });

  app.delete<{ Params: BlueprintParams; Querystring: Query }>('/v1/blueprints/:blueprint/all-entities', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    const deleteBlueprint = boolParam(request.query, 'delete_blueprint', false);
    const ids = [...(state().entities.get(blueprint.identifier)?.keys() ?? [])];
    const plan = planDelete(state(), blueprint.identifier, ids, false);
    const ops: StoreOp[] = [...plan.ops];
    if (deleteBlueprint) {
      const problem = blueprintInUse(blueprint.identifier, state().blueprints.values(), 0);
      if (problem !== undefined) throw problem;
      ops.push({ op: 'blueprint.delete', identifier: blueprint.identifier });
    }
    const now = ctx.now().toISOString();
    const migrationId = `migration_${randomUUID()}`;
    ops.push({
      op: 'migration.put',
      migration: { id: migrationId, status: 'COMPLETED', actor: ctx.actorOf(request), sourceBlueprint: blueprint.identifier, mapping: null, createdAt: now, updatedAt: now },
    });
    ctx.persistence.commit(ops);
    return { ok: true, migrationId };
  });

  app.get<{ Params: { id: string } }>('/v1/migrations/:id', async (request) => {
    const migration = state().migrations.get(request.params.id);
    if (migration === undefined) throw notFound(`migration "${request.params.id}" does not exist`);
    return { ok: true, migration };
  });
}
