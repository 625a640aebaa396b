import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_SECRET_HEADER } from '../../plugins/fake/fake-live.js';
import { setUpFake } from '../../plugins/fake/fake-test-support.js';
import { loadPortAppConfig } from '../../src/mapping/index.js';
import { loadPortResources, provisionIntegration } from '../../src/port/index.js';
import { identity, post, startLiveServer, startPortFixture, type LiveServer, type PortFixture } from './support/live-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAKE_RESOURCES = path.resolve(here, '../../plugins/fake/.port/resources');

let port: PortFixture;
let server: LiveServer;
beforeAll(async () => {
  port = await startPortFixture();
});
afterAll(async () => {
  await server?.close();
  await port.close();
});

test("the fake plugin's processor, served by the live routes, writes and deletes its entities in Port", async () => {
  const resources = await loadPortResources(FAKE_RESOURCES);
  await provisionIntegration(port.client, identity('fake-live'), { resources, initializePortResources: true });
  const mapping = await loadPortAppConfig(path.join(FAKE_RESOURCES, 'port-app-config.yml'));
  const { instance } = await setUpFake({ webhookSecret: 'fake-s3cret', entityCount: { 'fake-department': 2, 'fake-office': 2, 'fake-team': 4, 'fake-person': 10, 'fake-project': 2 } });
  server = await startLiveServer(port);
  const live = server.add('fake-live', { processors: instance.live ?? [], mapping: async () => mapping });
  const url = `${server.url}/integrations/fake-live/webhook/fake`;
  const secret = { [FAKE_SECRET_HEADER]: 'fake-s3cret' };

  expect((await post(url, { kind: 'fake-team', id: 'team-0003' })).status).toBe(401);
  expect((await post(url, { kind: 'fake-robot', id: 'x' }, secret)).status).toBe(400);
  expect((await post(url, { kind: 'fake-team', id: 'team-0003' }, secret)).status).toBe(202);
  expect((await post(url, { kind: 'fake-person', id: 'emp-0000004' }, secret)).status).toBe(202);
  await live.drain();
  const team = port.emulator.entity('fake-team', 'team-0003');
  expect(team?.datasource).toBe('port-ocean/live-test/0.1.0/fake-live/exporter');
  expect(typeof team?.properties.name).toBe('string');
  expect(port.emulator.entity('fake-person', 'emp-0000004')).toBeDefined();

  expect((await post(url, { kind: 'fake-team', id: 'team-0003', action: 'delete' }, secret)).status).toBe(202);
  // An id the fake API does not know is reported as a bare tombstone `{ id }`.
  expect((await post(url, { kind: 'fake-person', id: 'emp-0000004-gone' }, secret)).status).toBe(202);
  await live.drain();
  expect(port.emulator.entity('fake-team', 'team-0003')).toBeUndefined();
  expect(live.deadLetters()).toEqual([]);
  expect(live.stats()).toMatchObject({ handled: 4, deadLettered: 0 });
});
