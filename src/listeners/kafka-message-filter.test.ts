import { classifyKafkaMessage, kafkaGroupId, kafkaTopicsFor } from './kafka-message-filter.js';

const integration = { identifier: 'github-acme', type: 'github' };
const changeLog = 'org_1.change.log';
const requests = 'org_1.integration.resync.requests';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const configChange = (after: Record<string, unknown> | null, root: Record<string, unknown> = {}) =>
  json({ ...root, diff: { before: {}, after } });
const kafkaAfter = {
  identifier: 'github-acme',
  installationAppType: 'github',
  updatedAt: '2026-01-02T00:00:00Z',
  resyncState: { updatedAt: '2026-01-01T00:00:00Z' },
  changelogDestination: { type: 'KAFKA' },
};

test('topics and consumer group follow Ocean', () => {
  expect(kafkaTopicsFor('org_1')).toEqual([changeLog]);
  expect(kafkaTopicsFor('org_1', ['OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED'])).toEqual([requests]);
  expect(kafkaGroupId('org_1', integration)).toBe('org_1.github.github-acme');
});

test.each([
  ['resync request for this integration', requests, json({ context: { integrationId: 'github-acme' } })],
  ['RESYNC action on change.log', changeLog, json({ action: 'RESYNC', context: { integrationId: 'github-acme' } })],
  ['config change with destination in diff.after', changeLog, configChange(kafkaAfter)],
  [
    'config change with destination at the root',
    changeLog,
    configChange({ ...kafkaAfter, changelogDestination: undefined }, { changelogDestination: { type: 'KAFKA' } }),
  ],
  ['config change of an integration that never reported a resync', changeLog, configChange({ ...kafkaAfter, resyncState: undefined })],
])('triggers: %s', (_name, topic, value) => {
  expect(classifyKafkaMessage(topic, value, integration)).toMatchObject({ trigger: true });
});

test.each([
  ['resync request for another integration', requests, json({ context: { integrationId: 'gitlab-acme' } })],
  ['RESYNC action for another integration', changeLog, json({ action: 'RESYNC', context: { integrationId: 'other' } })],
  ['non-RESYNC action without a diff', changeLog, json({ action: 'UPDATE', context: { integrationId: 'github-acme' } })],
  ['change of another integration', changeLog, configChange({ ...kafkaAfter, identifier: 'other' })],
  ['change naming another integration type', changeLog, configChange({ ...kafkaAfter, installationAppType: 'gitlab' })],
  [
    'our own resync state report',
    changeLog,
    configChange({ ...kafkaAfter, resyncState: { updatedAt: kafkaAfter.updatedAt } }),
  ],
  ['destination is a webhook', changeLog, configChange({ ...kafkaAfter, changelogDestination: { type: 'WEBHOOK' } })],
  ['deletion', changeLog, configChange(null)],
  ['not JSON', changeLog, Buffer.from('{not json')],
  ['a JSON array', changeLog, json([1])],
  ['an empty value', changeLog, null],
  ['a topic that is not Port', 'org_1.something', json({ context: { integrationId: 'github-acme' } })],
])('ignores: %s', (_name, topic, value) => {
  const verdict = classifyKafkaMessage(topic, value, integration);
  expect(verdict.trigger).toBe(false);
  expect(verdict.reason.length).toBeGreaterThan(0);
});
