import { defineIntegration } from '../../src/sdk/index.js';
import { createGithubClient } from './client/github-client.js';
import { createRateBudgetRegistry } from './client/rate-budget.js';
import { resolveGithubSettings } from './github-config.js';
import { createResyncHandlers, GITHUB_KINDS } from './kinds/index.js';

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
  async setup({ config, http, logger, signal, dataDir }) {
    const settings = resolveGithubSettings(config);
    const client = await createGithubClient({ settings, http, signal, logger, budgets, dataDir, userAgent: 'marina-github' });
    const context = { client, settings, logger, concurrency: 8 };
    logger.info({ githubHost: settings.apiUrl, auth: settings.auth.kind, organization: settings.organization ?? null, responseCache: client.cache.stats() }, 'GitHub ready');
    return {
      resync: createResyncHandlers(context),
      close: async () => {
        logger.info({ budget: client.budget.stats(), responseCache: client.cache.stats() }, 'GitHub closing');
        await client.close();
      },
    };
  },
});
