import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  createIngestionSession,
  createPortClient,
  createRateBudget,
  deleteOwnedEntities,
  provisionIntegration,
  reportResyncState,
  upsertLiveEntities,
  type PortClient,
} from '../../src/port/index.js';
import { PORT_OPENAPI_PATH } from '../support/fixtures.js';
import { startRecordingProxy, type RecordedRequest } from './support/recording-proxy.js';

/**
 * Every request body the client sends must validate against the request schema of the matching
 * operation in Port's published OpenAPI spec, wherever the spec has one.
 */
const specPath = PORT_OPENAPI_PATH;

interface Operation {
  method: string;
  template: string;
  matches: (path: string) => boolean;
  schemaRef?: string;
}

async function loadOperations(): Promise<{ ajv: Ajv2020; operations: Operation[] }> {
  const spec = JSON.parse(await readFile(specPath, 'utf8')) as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  ajv.addSchema(spec as object, 'port-openapi');
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, operation] of Object.entries(methods)) {
      const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
      const hasSchema = operation.requestBody?.content?.['application/json'] !== undefined;
      operations.push({
        method: method.toUpperCase(),
        template,
        matches: (path) => pattern.test(path),
        ...(hasSchema ? { schemaRef: `port-openapi#/paths/${pointer(template)}/${method}/requestBody/content/application~1json/schema` } : {}),
      });
    }
  }
  // Literal paths win over templated ones (`/v1/blueprints/entities/...` vs `/v1/blueprints/{id}/...`).
  operations.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  return { ajv, operations };
}

describe('request bodies conform to Port OpenAPI', () => {
  let emulator: Emulator;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let client: PortClient;

  beforeAll(async () => {
    emulator = await startEmulator({});
    proxy = await startRecordingProxy(emulator.url);
    client = createPortClient({ baseUrl: proxy.url, clientId: 'id', clientSecret: 'secret', budget: createRateBudget({ limits: false }), retry: { baseDelayMs: 5 } });
  });
  afterAll(async () => {
    client.close();
    await proxy.close();
    await emulator.close();
  });

  it('validates every body of a provisioning, two resyncs, live writes and state reports', async () => {
    const identity = { identifier: 'conf', type: 'github', version: '2.0.0' };
    // An integration that exists without a mapping, so provisioning pushes the default one.
    await client.request({ method: 'POST', path: '/v1/integration', body: { installationId: 'conf', installationAppType: 'github' }, integration: identity });
    await provisionIntegration(client, identity, {
      initializePortResources: true,
      resources: {
        blueprints: [
          { identifier: 'team_x', title: 'Team', schema: { properties: { size: { type: 'number' } } } },
          {
            identifier: 'svc_x',
            title: 'Service',
            schema: { properties: { lang: { type: 'string' } } },
            relations: { team: { target: 'team_x', required: false, many: false } },
          },
        ],
        portAppConfig: { resources: [] },
      },
    });
    const entities = (n: number) => [
      ...Array.from({ length: n }, (_, i) => ({ identifier: `t${i}`, blueprint: 'team_x', title: `T${i}`, team: [], properties: { size: i } })),
      ...Array.from({ length: n }, (_, i) => ({ identifier: `s${i}`, blueprint: 'svc_x', icon: 'Service', properties: { lang: 'ts' }, relations: { team: `t${i}` } })),
    ];
    let start = new Date();
    const first = createIngestionSession({ client, integration: identity, startedAt: start, mapping: { createMissingRelatedEntities: false } });
    await first.upsert(entities(30), { kind: 'all' });
    await first.finish();
    while (Date.now() <= start.getTime() + 2);
    start = new Date();
    const second = createIngestionSession({ client, integration: identity, startedAt: start, mapping: { deleteDependentEntities: false } });
    await second.upsert(entities(20), { kind: 'all' });
    await second.finish();
    await upsertLiveEntities(client, identity, [{ identifier: { combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 't1' }] }, blueprint: 'team_x', properties: { size: 99 } }]);
    await deleteOwnedEntities(client, identity, [{ blueprint: 'svc_x', identifier: 's1' }]);
    await reportResyncState(client, identity, { status: 'completed', lastResyncEnd: new Date(), nextResync: null, intervalInMinutes: null });

    const { ajv, operations } = await loadOperations();
    const problems: string[] = [];
    const validated = new Set<string>();
    const unmatched = new Set<string>();
    for (const request of proxy.recorded as RecordedRequest[]) {
      if (request.body === undefined) continue;
      const operation = operations.find((op) => op.method === request.method && op.matches(request.path));
      if (operation === undefined) {
        unmatched.add(`${request.method} ${request.path}`);
        continue;
      }
      if (operation.schemaRef === undefined) continue;
      const validate = ajv.getSchema(operation.schemaRef) ?? ajv.compile({ $ref: operation.schemaRef });
      validated.add(`${operation.method} ${operation.template}`);
      if (!validate(request.body)) problems.push(`${request.method} ${request.path}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(problems).toEqual([]);
    // The validator is not vacuous: a bulk body over Port's 20-entity limit fails it.
    const bulk = ajv.getSchema('port-openapi#/paths/~1v1~1blueprints~1{blueprint_identifier}~1entities~1bulk/post/requestBody/content/application~1json/schema')!;
    expect(bulk({ entities: Array.from({ length: 21 }, (_, i) => ({ identifier: `e${i}` })) })).toBe(false);
    expect(bulk({ entities: [{ identifier: 'has space' }] })).toBe(false);
    expect([...validated].sort()).toEqual(
      [
        'PATCH /v1/blueprints/{identifier}',
        'PATCH /v1/integration/{identifier}',
        'PATCH /v1/integration/{identifier}/config',
        'POST /v1/auth/access_token',
        'POST /v1/blueprints',
        'POST /v1/blueprints/{blueprint_identifier}/bulk/entities/delete',
        'POST /v1/blueprints/{blueprint_identifier}/entities/bulk',
        'POST /v1/entities/search',
      ].sort(),
    );
    // Routes Ocean uses that Port's public spec does not publish (port-api.md section 0).
    expect([...unmatched].map((r) => r.replace(/\/conf\b/, '/{id}')).sort()).toEqual(
      ['PATCH /v1/integration/{id}/resync-state', 'POST /v1/blueprints/entities/datasource-entities', 'POST /v1/integration'].sort(),
    );
  });
});
