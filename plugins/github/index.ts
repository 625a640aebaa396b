import { defineIntegration } from '../../src/sdk/index.js';
import { createGithubClient } from './client/github-client.js';
import { createRateBudgetRegistry } from './client/rate-budget.js';
import { resolveGithubSettings } from './github-config.js';
import { createResyncHandlers, GITHUB_KINDS } from './kinds/index.js';
import { createGithubLiveProcessors } from './live/github-live.js';
import { registerWebhooks } from './live/webhook-registration.js';

/**
 * Budgets by credential, shared by every integration of this plugin in the process: two
 * integrations with the same token (or App installation) spend from one GitHub rate limit.
 */
const budgets = createRateBudgetRegistry();

/**
 * GitHub: Ocean's GitHub integration (21 kinds, its selectors and record shapes, PAT or GitHub
 * App, GitHub Enterprise Server) with conditional requests kept across restarts, a rate budget
 * shared per credential, and live events for every webhook that changes a kind.
 */
export default defineIntegration({
  type: 'github',
  kinds: GITHUB_KINDS,
  async setup({ config, http, logger, signal, dataDir, webhookBaseUrl }) {
    const settings = resolveGithubSettings(config);
    const client = await createGithubClient({ settings, http, signal, logger, budgets, dataDir, userAgent: 'marina-github' });
    const context = { client, settings, logger, concurrency: 8 };
    logger.info({ githubHost: settings.apiUrl, auth: settings.auth.kind, organization: settings.organization ?? null, responseCache: client.cache.stats() }, 'GitHub ready');
    // In the background: GitHub being slow must not hold up the integration's start.
    const registering = webhookBaseUrl === undefined ? Promise.resolve() : registerWebhooks(context, webhookBaseUrl, signal, logger);
    if (webhookBaseUrl === undefined) logger.info('no public URL configured (server.publicUrl / OCEAN__BASE_URL): GitHub webhooks are not registered');
    return {
      resync: createResyncHandlers(context),
      live: createGithubLiveProcessors(context),
      close: async () => {
        await registering;
        logger.info({ budget: client.budget.stats(), responseCache: client.cache.stats() }, 'GitHub closing');
        await client.close();
      },
    };
  },
});
