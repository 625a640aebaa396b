import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { describeError, type ErrorCode } from '../errors.js';
import type { LiveEvent } from '../sdk/index.js';
import { toLiveEvent, type IntegrationLive, type MatchedProcessor } from './integration-live.js';
import type { LiveEventStore, StoredEvent } from './live-event-store.js';

export interface LiveEventRoutesOptions {
  /** The live side of a running integration, or `undefined` when there is no such integration. */
  lookup(identifier: string): IntegrationLive | undefined;
  /**
   * For an integration `lookup` does not serve (yet): whether it is on its way (its plugin is
   * loading), which answers 503 with `Retry-After` instead of 404, so a sender that retries
   * does not lose deliveries sent while Marina starts. @default never
   */
  starting?(identifier: string): boolean;
  /** The store, or a getter for one opened after the routes were registered (asked only once `lookup` found the integration). */
  store: LiveEventStore | (() => LiveEventStore);
  /** Largest accepted body; larger ones get 413 before they are read in full. @default 5 MiB */
  bodyLimitBytes?: number;
  /** Headers tried, in order, for the sender's delivery id when a processor names none. @default ['x-github-delivery', 'x-delivery-id'] */
  deliveryIdHeaders?: readonly string[];
  logger?: Logger;
  /** Told once an event is persisted, just before the 202 (metrics, benchmarks). */
  onAccepted?(event: StoredEvent): void;
  /** Told how each delivery was answered (metrics). `identifier` is as the sender wrote it. */
  onAnswer?(identifier: string, answer: DeliveryAnswer): void;
}

/** How a delivery was answered: queued (202), a redelivery, nobody's event, or refused (4xx/5xx). */
export type DeliveryAnswer = 'accepted' | 'duplicate' | 'ignored' | 'rejected';

export const DEFAULT_DELIVERY_ID_HEADERS: readonly string[] = ['x-github-delivery', 'x-delivery-id'];

function fail(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ code, message });
}

function header(headers: LiveEvent['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** Runs a processor hook, turning a throw into a described failure instead of a 500 with a stack. */
async function ask(hook: () => boolean | Promise<boolean>): Promise<{ ok: boolean; error?: string }> {
  try {
    return { ok: Boolean(await hook()) };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

/**
 * `POST /integrations/:identifier/webhook/*`: checks a delivery (JSON, size, the processors'
 * `handles`, `authenticate`, `validate`, redelivery), persists it, and answers 202 `{ eventId }`
 * only once it is on disk. Registered in its own fastify scope so its raw-body parser (needed
 * for HMAC signatures) does not change how the admin API parses JSON.
 */
export function registerLiveEventRoutes(app: FastifyInstance, options: LiveEventRoutesOptions): void {
  const bodyLimit = options.bodyLimitBytes ?? 5 * 1024 * 1024;
  const deliveryHeaders = options.deliveryIdHeaders ?? DEFAULT_DELIVERY_ID_HEADERS;
  const logger = options.logger;
  const storeOf = (): LiveEventStore => (typeof options.store === 'function' ? options.store() : options.store);

  // Answers other than by status code (ignored, duplicate), for onAnswer.
  const answers = new WeakMap<FastifyRequest, DeliveryAnswer>();

  void app.register(async (scope) => {
    scope.addHook('onSend', async (request, reply, payload) => {
      const identifier = (request.params as { identifier?: string } | undefined)?.identifier;
      if (identifier !== undefined && options.onAnswer !== undefined) {
        options.onAnswer(identifier, answers.get(request) ?? (reply.statusCode >= 400 ? 'rejected' : 'accepted'));
      }
      return payload;
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, _request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
        return fail(reply, 413, 'LIVE_BODY_TOO_LARGE', `The body is larger than the ${bodyLimit}-byte limit of webhook deliveries`);
      }
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return fail(reply, error.statusCode, 'LIVE_BODY_INVALID', error.message);
      logger?.error({ err: describeError(error) }, 'Webhook delivery failed');
      return fail(reply, 500, 'LIVE_PROCESSOR_FAILED', 'The delivery could not be accepted; retry it');
    });

    const handler = async (request: FastifyRequest<{ Params: { identifier: string; '*'?: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
      const { identifier } = request.params;
      const requestPath = `/${request.params['*'] ?? ''}`;
      const live = options.lookup(identifier);
      if (live === undefined || live.closed) {
        if (options.starting?.(identifier)) {
          return fail(reply.header('retry-after', '5'), 503, 'LIVE_NOT_READY', `Integration "${identifier}" is starting; retry the delivery in a few seconds`);
        }
        return fail(reply, 404, 'LIVE_NOT_FOUND', `No running integration "${identifier}" takes webhook deliveries`);
      }
      const matched = live.match(requestPath);
      if (matched.length === 0) return fail(reply, 404, 'LIVE_NOT_FOUND', `Integration "${identifier}" has no live-event processor for path ${requestPath}`);

      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch (error) {
        const detail = rawBody.length === 0 ? 'the body is empty' : (error as Error).message;
        return fail(reply, 400, 'LIVE_BODY_INVALID', `The body of a delivery to ${requestPath} must be JSON: ${detail}`);
      }
      const received: Omit<StoredEvent, 'processors' | 'resourceKey' | 'deliveryId' | 'params'> = {
        id: randomUUID(),
        integration: identifier,
        path: requestPath,
        query: request.query as Record<string, string | string[]>,
        headers: request.headers,
        rawBody,
        receivedAt: new Date(),
      };
      const eventFor = (match: MatchedProcessor): LiveEvent => toLiveEvent({ ...received, params: match.params, processors: [], resourceKey: '' }, match.params, body, match.processor.path);

      const accepting: MatchedProcessor[] = [];
      for (const match of matched) {
        const handles = match.processor.handles;
        if (handles === undefined) {
          accepting.push(match);
          continue;
        }
        const answer = await ask(() => handles.call(match.processor, eventFor(match)));
        if (answer.error !== undefined) return fail(reply, 400, 'LIVE_BODY_INVALID', `Processor "${match.processor.name}" could not tell whether it handles this delivery: ${answer.error}`);
        if (answer.ok) accepting.push(match);
      }
      // Like Ocean, an event nobody handles is acknowledged and dropped: the sender must not retry it.
      if (accepting.length === 0) {
        answers.set(request, 'ignored');
        return reply.code(200).send({ eventId: null, ignored: true });
      }

      for (const match of accepting) {
        const authenticate = match.processor.authenticate;
        if (authenticate === undefined) continue;
        const answer = await ask(() => authenticate.call(match.processor, eventFor(match)));
        if (!answer.ok) return fail(reply, 401, 'LIVE_UNAUTHORIZED', `The delivery failed authentication of processor "${match.processor.name}"`);
      }
      for (const match of accepting) {
        const validate = match.processor.validate;
        if (validate === undefined) continue;
        const answer = await ask(() => validate.call(match.processor, eventFor(match)));
        if (!answer.ok) {
          const why = answer.error === undefined ? 'its validate() returned false' : answer.error;
          return fail(reply, 400, 'LIVE_BODY_INVALID', `Processor "${match.processor.name}" rejected the body of the delivery to ${requestPath}: ${why}`);
        }
      }
      const lead = accepting[0]!;
      let resourceKey: string;
      try {
        resourceKey = String(lead.processor.resourceKey(eventFor(lead)));
      } catch (error) {
        return fail(reply, 400, 'LIVE_BODY_INVALID', `Processor "${lead.processor.name}" found no resource key in the delivery: ${describeError(error)}`);
      }
      const deliveryHeader = accepting.map((match) => match.processor.deliveryIdHeader).find((name) => name !== undefined);
      const deliveryId = deliveryHeader !== undefined ? header(received.headers, deliveryHeader) : deliveryHeaders.map((name) => header(received.headers, name)).find((value) => value !== undefined);

      const event: StoredEvent = {
        ...received,
        params: lead.params,
        processors: accepting.map((match) => match.processor.name),
        resourceKey,
        ...(deliveryId === undefined ? {} : { deliveryId }),
      };
      const store = storeOf();
      if (deliveryId !== undefined) {
        const original = store.claimDelivery(identifier, deliveryId, event.id);
        if (original !== undefined) {
          answers.set(request, 'duplicate');
          return reply.code(200).send({ eventId: original, duplicate: true });
        }
      }
      try {
        await store.accept(event);
      } catch (error) {
        if (deliveryId !== undefined) store.releaseDelivery(identifier, deliveryId);
        logger?.error({ integration: identifier, err: describeError(error) }, 'Could not persist a webhook delivery');
        return fail(reply, 503, 'LIVE_STORE_FAILED', 'The delivery could not be stored; retry it');
      }
      options.onAccepted?.(event);
      try {
        live.enqueue(event);
      } catch {
        // Stopped between the lookup and now: the event is on disk and runs at the next start.
      }
      return reply.code(202).send({ eventId: event.id });
    };

    scope.post('/integrations/:identifier/webhook', handler);
    scope.post('/integrations/:identifier/webhook/*', handler);
  });
}
