import { eventually } from '../../../test/support/eventually.js';
import { startGithubSimulator, type GithubSimulator } from '../../../test/support/github-simulator/index.js';
import { WEBHOOK_EVENTS } from '../live/github-live.js';
import { setUpGithub } from './github-test-support.js';
import { jest } from '@jest/globals';

// Simulators, tsx and GitHub's 13 MB OpenAPI document on a shared machine: generous limits, end states asserted.
jest.setTimeout(120_000);

let simulator: GithubSimulator;
beforeEach(async () => {
  simulator = await startGithubSimulator({ tokens: ['ghp_hooks'] });
  simulator.world.addOrg('acme');
});
afterEach(() => simulator.close());

const URL_BASE = 'https://marina.example.test/integrations/gh/webhook';
const config = (extra: Record<string, unknown> = {}) => ({ githubHost: simulator.apiUrl, githubToken: 'ghp_hooks', githubOrganization: 'acme', webhookSecret: 's3cret', ...extra });

it('creates the organization webhook once, and updates an outdated one', async () => {
  const org = simulator.world.org('acme')!;
  const first = await setUpGithub(config(), { webhookBaseUrl: URL_BASE });
  await eventually(() => org.hooks.length === 1, 'the webhook');
  expect(org.hooks[0]).toMatchObject({ events: [...WEBHOOK_EVENTS], active: true, config: { url: `${URL_BASE}/github`, content_type: 'json' }, __secret: 's3cret' });
  await first.close();
  // Someone trimmed its events: the next start puts them back.
  org.hooks[0]!['events'] = ['push'];
  const second = await setUpGithub(config(), { webhookBaseUrl: URL_BASE });
  await eventually(() => (org.hooks[0]!['events'] as string[]).length === WEBHOOK_EVENTS.length, 'the update');
  expect(org.hooks).toHaveLength(1);
  await second.close();
});

it('leaves an existing webhook alone with skipWebhookPatching, and registers nothing without a public URL', async () => {
  const org = simulator.world.org('acme')!;
  simulator.world.addHook(org, { url: `${URL_BASE}/github` }, ['push']);
  const skipping = await setUpGithub(config({ skipWebhookPatching: true }), { webhookBaseUrl: URL_BASE });
  await eventually(() => skipping.logger.lines.some((line) => /not updated \(skipWebhookPatching\)/.test(line.msg ?? '')), 'the decision');
  await skipping.close();
  expect(org.hooks[0]!['events']).toEqual(['push']);
  const noUrl = await setUpGithub(config());
  await noUrl.close();
  expect(simulator.stats().byRoute['POST /orgs/:org/hooks']).toBeUndefined();
  expect(simulator.stats().byRoute['PATCH /orgs/:org/hooks/:id']).toBeUndefined();
});
