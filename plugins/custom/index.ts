import { defineIntegration } from '../../src/sdk/index.js';
import { createCustomApi } from './custom-api.js';
import { createAuthenticator } from './custom-auth.js';
import { customConfigSchema } from './custom-config-schema.js';
import { resolveCustomSettings } from './custom-config.js';
import { createHttpTransport } from './custom-http.js';
import { createWebhookProcessor } from './custom-live.js';
import { describeUrl } from './custom-request.js';
import { createResyncHandler } from './custom-resync.js';

/**
 * Ocean Custom: any HTTP REST API from configuration alone. The kind of a resource block is the
 * endpoint path; its selector says how to call it (`method`, `query_params`, `headers`, `body`,
 * `path_parameters`) and where the records are (`data_path`). Ocean's spec, env variables and
 * mappings work unchanged (see README.md for every setting and where Marina differs).
 */
export default defineIntegration({
  type: 'custom',
  version: '0.1.0',
  configSchema: customConfigSchema,
  async setup({ config, http, logger, signal }) {
    const settings = resolveCustomSettings(config);
    if (settings.deprecatedNames.length > 0) {
      logger.warn({ settings: settings.deprecatedNames }, 'older Ocean Custom setting names are in use: paginationParam and sizeParam replace them');
    }
    const transport = createHttpTransport({ http, settings, logger, signal });
    const authenticator = await createAuthenticator({ settings, transport, logger, signal });
    const api = createCustomApi(transport, authenticator);
    const live = settings.webhook ? [await createWebhookProcessor(settings.webhook, logger)] : [];
    logger.info(
      {
        baseUrl: describeUrl(settings.baseUrl),
        authType: settings.auth.type,
        paginationType: settings.pagination.type,
        pageSize: settings.pagination.pageSize,
        maxConcurrentRequests: settings.maxConcurrentRequests,
        liveEvents: settings.webhook ? settings.webhook.path : false,
      },
      'custom integration ready',
    );
    return {
      // The kind is the endpoint path: one handler for every kind.
      resync: { '*': createResyncHandler({ api, settings, logger }) },
      live,
    };
  },
});
