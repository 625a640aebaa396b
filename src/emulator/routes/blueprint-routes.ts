import type { FastifyInstance } from 'fastify';
import { blueprintInUse, buildBlueprint } from '../blueprint-validator.js';
import type { EmulatorContext } from '../context.js';
import { identifierTaken } from '../port-error.js';
import { boolParam, requireBlueprint, type Query } from './query.js';

type BlueprintParams = { blueprint: string };

export function registerBlueprintRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const state = () => ctx.persistence.state;
  const writeContext = (actor: string) => ({
    blueprintExists: (id: string) => state().blueprints.has(id),
    actor,
    now: ctx.now().toISOString(),
  });

  app.get('/v1/blueprints', async () => ({ ok: true, blueprints: [...state().blueprints.values()] }));

  app.get<{ Params: BlueprintParams }>('/v1/blueprints/:blueprint', async (request) => ({
    ok: true,
    blueprint: requireBlueprint(state(), request.params.blueprint),
  }));

  app.post('/v1/blueprints', async (request, reply) => {
    const blueprint = buildBlueprint('create', request.body, undefined, writeContext(ctx.actorOf(request)));
    if (state().blueprints.has(blueprint.identifier)) throw identifierTaken(`blueprint "${blueprint.identifier}" already exists`);
    ctx.persistence.commit([{ op: 'blueprint.put', blueprint }]);
    return reply.code(201).send({ ok: true, blueprint });
  });

  for (const method of ['put', 'patch'] as const) {
    app[method]<{ Params: BlueprintParams }>('/v1/blueprints/:blueprint', async (request) => {
      const existing = requireBlueprint(state(), request.params.blueprint);
      const mode = method === 'put' ? 'replace' : 'patch';
      const blueprint = buildBlueprint(mode, request.body, existing, writeContext(ctx.actorOf(request)), existing.identifier);
      ctx.persistence.commit([{ op: 'blueprint.put', blueprint }]);
      return { ok: true, blueprint };
    });
  }

  app.delete<{ Params: BlueprintParams; Querystring: Query }>('/v1/blueprints/:blueprint', async (request) => {
    const blueprint = requireBlueprint(state(), request.params.blueprint);
    boolParam(request.query, 'delete_actions', false);
    const problem = blueprintInUse(blueprint.identifier, state().blueprints.values(), state().entities.get(blueprint.identifier)?.size ?? 0);
    if (problem !== undefined) throw problem;
    ctx.persistence.commit([{ op: 'blueprint.delete', identifier: blueprint.identifier }]);
    return { ok: true };
  });
}
