import { createHmac } from 'node:crypto';
import type { LiveEvent, LiveEventProcessor } from '../../src/sdk/index.js';
import { setUpCustom } from './custom-test-support.js';

function liveEvent(body: unknown, headers: Record<string, string> = {}): LiveEvent {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { id: 'evt-1', path: '/events', params: {}, query: {}, headers, body, rawBody, receivedAt: new Date(0) };
}

async function processor(config: Record<string, unknown>): Promise<LiveEventProcessor> {
  const { instance } = await setUpCustom({ baseUrl: 'https://api.example.com', ...config });
  expect(instance.live).toHaveLength(1);
  return instance.live![0]!;
}

const request = (kind: string) => ({ kind, selector: { query: 'true' }, resourceIndex: 0, resource: {}, signal: new AbortController().signal });

const USERS = {
  webhookKind: '.body.type | if startswith("user.") then "/api/v1/users" else empty end',
  webhookRecord: '.body.data',
  webhookDeleted: '.body.type == "user.deleted"',
};

describe('custom plugin: live events (generic webhook processor)', () => {
  test('without webhookKind there is no processor', async () => {
    const { instance } = await setUpCustom({ baseUrl: 'https://api.example.com' });
    expect(instance.live).toEqual([]);
  });

  test('webhookKind picks the kind, webhookRecord the record, webhookDeleted the deletions', async () => {
    const live = await processor(USERS);
    const updated = liveEvent({ type: 'user.updated', data: { id: 'u-1', name: 'Ada' } });
    expect(live.path).toBe('/events');
    expect(await live.handles!(updated)).toBe(true);
    expect(await live.kinds(updated)).toEqual(['/api/v1/users']);
    expect(await live.validate!(updated)).toBe(true);
    expect(live.resourceKey(updated)).toBe('u-1');
    expect(await live.handle(updated, request('/api/v1/users'))).toEqual({ updated: [{ id: 'u-1', name: 'Ada' }], deleted: [] });
    const deleted = liveEvent({ type: 'user.deleted', data: { id: 'u-1' } });
    expect(await live.handle(deleted, request('/api/v1/users'))).toEqual({ updated: [], deleted: [{ id: 'u-1' }] });
    const other = liveEvent({ type: 'invoice.paid', data: { id: 'i-1' } });
    expect(await live.handles!(other)).toBe(false);
    expect(await live.kinds(other)).toEqual([]);
  });

  test('several kinds, an array of records, a header-based kind, a custom resource key and path', async () => {
    const live = await processor({
      webhookPath: '/hooks/acme',
      webhookKind: '[.headers["x-acme-event"] | ascii_downcase | "/api/\\(.)", "/api/all"]',
      webhookRecord: '.body.items',
      webhookResourceKey: '.email',
      webhookDeliveryIdHeader: 'X-Acme-Delivery',
    });
    const event = liveEvent({ items: [{ id: 1, email: 'a@x.test' }, { id: 2, email: 'b@x.test' }] }, { 'x-acme-event': 'USERS' });
    expect(live.path).toBe('/hooks/acme');
    expect(live.deliveryIdHeader).toBe('x-acme-delivery');
    expect(await live.kinds(event)).toEqual(['/api/users', '/api/all']);
    expect(live.resourceKey(event)).toBe('a@x.test');
    expect((await live.handle(event, request('/api/users'))).updated).toHaveLength(2);
  });

  test('a body without the record is refused (400); an event without a key is ordered on its own', async () => {
    const live = await processor(USERS);
    const empty = liveEvent({ type: 'user.updated' });
    expect(await live.validate!(empty)).toBe(false);
    expect(live.resourceKey(liveEvent({ type: 'user.updated', data: { name: 'no id' } }))).toBe('event:evt-1');
  });

  test('HMAC signature over the raw body: sha256 hex with a prefix, or sha1 base64', async () => {
    const body = { type: 'user.updated', data: { id: 'u-2' } };
    const event = (signature: string) => ({ ...liveEvent(body, { 'x-signature': signature }) });
    const raw = Buffer.from(JSON.stringify(body));
    const hex = await processor({ ...USERS, webhookSecret: 'shh', webhookSignatureHeader: 'X-Signature', webhookSignaturePrefix: 'sha256=' });
    expect(await hex.authenticate!(event(`sha256=${createHmac('sha256', 'shh').update(raw).digest('hex')}`))).toBe(true);
    expect(await hex.authenticate!(event(`sha256=${createHmac('sha256', 'other').update(raw).digest('hex')}`))).toBe(false);
    expect(await hex.authenticate!(liveEvent(body))).toBe(false);
    const base64 = await processor({ ...USERS, webhookSecret: 'shh', webhookSignatureHeader: 'X-Signature', webhookSignatureAlgorithm: 'sha1', webhookSignatureEncoding: 'base64' });
    expect(await base64.authenticate!(event(createHmac('sha1', 'shh').update(raw).digest('base64')))).toBe(true);
  });

  test('shared secret header; no secret accepts every delivery (with a warning at setup)', async () => {
    const shared = await processor({ ...USERS, webhookSecret: 'tok-9', webhookSecretHeader: 'X-Webhook-Token' });
    const body = { type: 'user.updated', data: { id: 'u-3' } };
    expect(await shared.authenticate!(liveEvent(body, { 'x-webhook-token': 'tok-9' }))).toBe(true);
    expect(await shared.authenticate!(liveEvent(body, { 'x-webhook-token': 'tok-8' }))).toBe(false);
    const { instance, logger } = await setUpCustom({ baseUrl: 'https://api.example.com', ...USERS });
    expect(await instance.live![0]!.authenticate!(liveEvent(body))).toBe(true);
    expect(logger.lines.some((line) => line.level === 'warn' && String(line.msg).includes('accepted without a signature or secret'))).toBe(true);
  });

  test('a webhook expression that does not compile fails setup, naming the setting', async () => {
    await expect(setUpCustom({ baseUrl: 'https://api.example.com', webhookKind: '.body.type |' })).rejects.toMatchObject({ code: 'CUSTOM_CONFIG_INVALID', message: expect.stringContaining('webhookKind: jq expression') });
  });
});
