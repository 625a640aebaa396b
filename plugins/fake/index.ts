import { defineIntegration, type ResyncHandler } from '../../src/sdk/index.js';
import { FAKE_KINDS, resolveFakeConfig, type FakeKind } from './fake-config.js';
import { createFakeLiveProcessor } from './fake-live.js';
import { createFakeOrganization } from './fake-org.js';
import { fakePages } from './fake-pages.js';
import { parseDepartmentFilter } from './fake-selector.js';

/**
 * The fake integration: a generated organization (departments, persons, offices, teams,
 * projects) served as if by a paginated third-party API. It needs no network, so `npm start`
 * shows a populated Port out of the box, and its knobs (counts, record size, page size, latency,
 * failure injection) drive tests and benchmarks.
 */
export default defineIntegration({
  type: 'fake',
  kinds: FAKE_KINDS,
  setup({ config, logger }) {
    const resolved = resolveFakeConfig(config);
    const organization = createFakeOrganization(resolved);
    const webhookSecret = typeof config.webhookSecret === 'string' ? config.webhookSecret : '';

    const handlerFor =
      (kind: FakeKind): ResyncHandler =>
      // An async generator, so a bad selector surfaces as a failed iteration like any API error.
      async function* ({ selector, resourceIndex, signal }) {
        const filter = parseDepartmentFilter(selector, organization, { kind, resourceIndex });
        if (filter.unknown.length > 0) {
          logger.warn({ kind, resourceIndex, unknown: filter.unknown }, 'selector.departments names departments the fake organization does not have');
        }
        yield* fakePages({ organization, kind, departments: filter.departments, signal });
      };

    logger.info({ entityCount: resolved.entityCount, recordBytes: resolved.recordBytes, pageSize: resolved.pageSize, seed: resolved.seed }, 'fake organization ready');
    return {
      resync: Object.fromEntries(FAKE_KINDS.map((kind) => [kind, handlerFor(kind)])),
      live: [createFakeLiveProcessor(organization, webhookSecret)],
    };
  },
});
