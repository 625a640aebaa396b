import { defineLiveEventProcessor, verifySharedSecret, type LiveEvent, type LiveEventProcessor } from '../../src/sdk/index.js';
import { FAKE_KINDS, type FakeKind } from './fake-config.js';
import type { FakeOrganization } from './fake-org.js';

/** Header carrying the webhook secret when `webhookSecret` is configured. */
export const FAKE_SECRET_HEADER = 'x-fake-secret';

interface FakeEventBody {
  kind: FakeKind;
  id: string;
  action: 'upsert' | 'delete';
}

function readBody(event: LiveEvent): FakeEventBody | undefined {
  const body = event.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null) return undefined;
  const { kind, id, action = 'upsert' } = body;
  if (typeof kind !== 'string' || !(FAKE_KINDS as readonly string[]).includes(kind)) return undefined;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  if (action !== 'upsert' && action !== 'delete') return undefined;
  return { kind: kind as FakeKind, id, action };
}

/**
 * Webhook deliveries from the fake third party: `{ "kind": "fake-person", "id": "emp-0000042",
 * "action": "upsert" | "delete" }` posted to `/integrations/<id>/webhook/fake`. An upsert
 * returns the same record a resync produces; an id the fake API does not have is a deletion,
 * as when a real API answers 404 for the changed resource.
 */
export function createFakeLiveProcessor(organization: FakeOrganization, webhookSecret: string): LiveEventProcessor {
  return defineLiveEventProcessor({
    name: 'fake-entity-change',
    path: '/fake',
    kinds: (event) => {
      const body = readBody(event);
      return body === undefined ? [] : [body.kind];
    },
    authenticate: (event) => webhookSecret === '' || verifySharedSecret(event, FAKE_SECRET_HEADER, webhookSecret),
    validate: (event) => readBody(event) !== undefined,
    resourceKey: (event) => {
      const body = readBody(event);
      return body === undefined ? '' : `${body.kind}/${body.id}`;
    },
    async handle(event) {
      const body = readBody(event);
      if (body === undefined) return { updated: [], deleted: [] };
      const index = organization.indexOf(body.kind, body.id);
      if (index === undefined) return { updated: [], deleted: [{ id: body.id }] };
      const record = organization.record(body.kind, index);
      return body.action === 'delete' ? { updated: [], deleted: [record] } : { updated: [record], deleted: [] };
    },
  });
}
