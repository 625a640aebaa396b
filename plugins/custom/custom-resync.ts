import type { PluginLogger, RawPage, ResyncHandler, ResyncRequest } from '../../src/sdk/index.js';
import type { CustomApi } from './custom-api.js';
import type { CustomSettings } from './custom-config.js';
import { CustomIntegrationError } from './custom-error.js';
import { resolveEndpoints, type ResolvedEndpoint } from './custom-endpoints.js';
import { mergeConcurrently } from './custom-merge.js';
import { paginate } from './custom-pagination.js';
import { recordsOf } from './custom-records.js';
import { joinUrl } from './custom-request.js';
import { readEndpointSelector, type EndpointSelector } from './custom-selector.js';

/**
 * The resync handler of every kind (the kind is the endpoint path): reads the block's selector,
 * resolves its endpoints, and yields each endpoint's records page by page. Endpoints found
 * through path parameters are fetched up to `maxConcurrentRequests` at a time.
 *
 * Unlike Ocean, which logs a failing endpoint and carries on (so the resync then deletes that
 * kind's entities as stale), a failing request fails the kind: nothing is deleted on a partial
 * read. One exception: a 404 from an endpoint made from a discovered value means the parent went
 * away between discovery and fetch; it is logged and skipped.
 */
export function createResyncHandler(options: { api: CustomApi; settings: CustomSettings; logger: PluginLogger }): ResyncHandler {
  return async function* resync(request: ResyncRequest): AsyncGenerator<RawPage> {
    const block = `resource ${request.resourceIndex} (kind ${request.kind})`;
    const selector = await readEndpointSelector(request.kind, request.selector, request.resourceIndex);
    // Requests of this block stop when it ends, early or on error, not only when the resync does.
    const controller = new AbortController();
    const stop = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) stop();
    else request.signal.addEventListener('abort', stop, { once: true });
    const logger = options.logger.child({ kind: request.kind, resourceIndex: request.resourceIndex });
    let warnedObject = false;
    const context = { api: options.api, settings: options.settings, selector, block, logger, signal: controller.signal, onObject: () => {
      if (warnedObject) return;
      warnedObject = true;
      logger.warn("the response is a JSON object and selector.data_path is not set: yielding the whole response as one record; set data_path (such as '.data') to the array of records");
    } };
    try {
      const endpoints = resolveEndpoints(selector, { api: options.api, baseUrl: options.settings.baseUrl, pagination: options.settings.pagination, logger, signal: controller.signal, block });
      if (selector.placeholders.length === 0) {
        for await (const endpoint of endpoints) yield* endpointPages(endpoint, context);
        return;
      }
      yield* mergeConcurrently(mapIterable(endpoints, (endpoint) => endpointPages(endpoint, context)), options.settings.maxConcurrentRequests);
    } finally {
      request.signal.removeEventListener('abort', stop);
      controller.abort(new Error('resource block finished'));
    }
  };
}

interface BlockContext {
  api: CustomApi;
  settings: CustomSettings;
  selector: EndpointSelector;
  block: string;
  logger: PluginLogger;
  signal: AbortSignal;
  onObject: () => void;
}

async function* endpointPages(endpoint: ResolvedEndpoint, context: BlockContext): AsyncGenerator<RawPage> {
  const { selector } = context;
  const pages = paginate({
    api: context.api,
    settings: context.settings.pagination,
    request: withBody({ method: selector.method, url: joinUrl(context.settings.baseUrl, endpoint.path), query: selector.query, headers: selector.headers }, selector.body),
    extract: (response) => recordsOf(response, selector.dataPath, `${context.block} selector`, endpoint.values, context.onObject),
    signal: context.signal,
    onRepeatedPage: (message) => context.logger.warn(message),
  });
  try {
    yield* pages;
  } catch (error) {
    const discovered = Object.keys(endpoint.values).length > 0;
    if (discovered && error instanceof CustomIntegrationError && error.code === 'CUSTOM_HTTP_ERROR' && error.status === 404) {
      context.logger.warn({ endpoint: endpoint.path, values: endpoint.values }, 'endpoint made from a discovered value answered 404 (gone since discovery): skipped');
      return;
    }
    throw error;
  }
}

function withBody<T extends object>(request: T, body: unknown): T & { body?: unknown } {
  return body === undefined ? request : { ...request, body };
}

async function* mapIterable<T, U>(source: AsyncIterable<T>, map: (value: T) => U): AsyncGenerator<U> {
  for await (const value of source) yield map(value);
}
