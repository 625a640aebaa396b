import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { FaultInjector } from './fault-injector.js';
import type { Persistence } from './persistence.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RequestLog } from './request-log.js';
import type { TokenIssuer } from './tokens.js';

/** What every route family receives: plain arguments, no globals. */
export interface EmulatorContext {
  persistence: Persistence;
  tokens: TokenIssuer;
  faults: FaultInjector;
  limiter: RateLimiter | undefined;
  requestLog: RequestLog;
  organizationId: string;
  kafkaCredentials: { username: string; password: string };
  logger: Logger | undefined;
  /** The emulator's base URL, known once it listens (ingest URLs point back at it). */
  baseUrl(): string;
  now(): Date;
  /** The client id behind the request's token (createdBy/updatedBy). */
  actorOf(request: FastifyRequest): string;
}
