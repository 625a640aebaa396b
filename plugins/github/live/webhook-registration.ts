import type { PluginLogger } from '../../../src/sdk/index.js';
import { organizations, type Json, type KindContext } from '../kinds/context.js';
import { GITHUB_WEBHOOK_PATH, WEBHOOK_EVENTS } from './github-live.js';

/**
 * Ocean's webhook set-up at start: each synced organization gets one webhook pointing at this
 * integration (`<webhookBaseUrl>/github`), JSON, signed with `webhookSecret`, for every event
 * the live processors handle. An existing webhook with that URL is updated to those events (and
 * the secret) unless `skipWebhookPatching`; a missing one is created either way, as in Ocean.
 * Failures are logged, never fatal: resyncs work without webhooks.
 */
export async function registerWebhooks(context: KindContext, webhookBaseUrl: string, signal: AbortSignal, logger: PluginLogger): Promise<void> {
  const url = `${webhookBaseUrl}${GITHUB_WEBHOOK_PATH}`;
  const call = { signal, lane: 'live' as const };
  const events = [...WEBHOOK_EVENTS];
  const config: Json = { url, content_type: 'json', insecure_ssl: '0', ...(context.settings.webhookSecret ? { secret: context.settings.webhookSecret } : {}) };
  try {
    for await (const orgs of organizations(context, { repositoryType: 'all', organizations: [], includeAuthenticatedUser: false }, call)) {
      for (const org of orgs) {
        const login = String(org['login']);
        try {
          let existing: Json | undefined;
          for await (const page of context.client.pages('GET /orgs/{org}/hooks', { org: login }, call)) {
            existing = page.find((hook) => hook['config']?.['url'] === url);
            if (existing) break;
          }
          if (existing === undefined) {
            const created = await context.client.request('POST /orgs/{org}/hooks', { org: login, name: 'web', active: true, events, config }, call);
            logger.info({ organization: login, hookId: (created.data as Json)['id'], url }, 'GitHub webhook created');
            continue;
          }
          if (context.settings.skipWebhookPatching) {
            logger.info({ organization: login, hookId: existing['id'] }, 'GitHub webhook exists; not updated (skipWebhookPatching)');
            continue;
          }
          const sameEvents = [...(existing['events'] as string[])].sort().join(',') === [...events].sort().join(',');
          if (sameEvents && existing['active'] === true && !context.settings.webhookSecret && existing['config']?.['content_type'] === 'json') continue;
          await context.client.request('PATCH /orgs/{org}/hooks/{hook_id}', { org: login, hook_id: existing['id'], active: true, events, config }, call);
          logger.info({ organization: login, hookId: existing['id'] }, 'GitHub webhook updated');
        } catch (error) {
          if (signal.aborted) return;
          logger.warn({ organization: login, status: (error as { status?: number }).status, err: (error as Error).message }, 'could not create or update the GitHub webhook (it needs admin:org_hook, or the App permission "Organization webhooks: write")');
        }
      }
    }
  } catch (error) {
    if (!signal.aborted) logger.warn({ err: (error as Error).message }, 'could not list the organizations to register GitHub webhooks');
  }
}
