/**
 * One client TCP connection: splits the byte stream into size-prefixed frames, reads the
 * request header (v1: api key, version, correlation id, client id), enforces SASL before any
 * other API when the broker requires it, and writes each response when its handler finishes.
 * Requests are handled concurrently (kafkajs matches responses by correlation id), so a
 * long-polling Fetch never holds up a Heartbeat on the same connection.
 */
import type { Socket } from 'node:net';
import { Reader, Writer } from './codec.js';
import { apiVersionsResponse, handlers, type BrokerContext } from './handlers.js';
import { ApiKeys, ErrorCodes, SupportedVersions } from './protocol.js';
import { createSaslExchange, saslMechanismName, type SaslCredentials } from './sasl.js';

/** Frames larger than this are refused rather than buffered (a garbage size prefix, most likely). */
const MAX_FRAME_BYTES = 100 * 1024 * 1024;

export function handleConnection(
  socket: Socket,
  context: BrokerContext,
  options: { sasl?: SaslCredentials | undefined; onError: (error: Error) => void },
): void {
  let pending = Buffer.alloc(0);
  let authenticated = options.sasl === undefined;
  let exchange: ReturnType<typeof createSaslExchange> | undefined;

  const fail = (reason: string) => {
    options.onError(new Error(`kafka broker: closing connection from ${socket.remoteAddress}:${socket.remotePort}: ${reason}`));
    socket.destroy();
  };

  const respond = (correlationId: number, body: Writer, then?: () => void) => {
    if (socket.destroyed) return;
    const payload = body.toBuffer();
    const frame = new Writer().int32(payload.length + 4).int32(correlationId).raw(payload).toBuffer();
    socket.write(frame, then);
  };

  async function handle(frame: Buffer): Promise<void> {
    const reader = new Reader(frame);
    const apiKey = reader.int16();
    const version = reader.int16();
    const correlationId = reader.int32();
    const clientId = reader.nullableString() ?? '';

    if (apiKey === ApiKeys.ApiVersions) {
      // A version we do not know is answered in v0 form with the list, as Kafka does.
      const [, max] = SupportedVersions.get(ApiKeys.ApiVersions)!;
      if (version > max) respond(correlationId, apiVersionsResponse(0, ErrorCodes.UNSUPPORTED_VERSION));
      else respond(correlationId, apiVersionsResponse(version));
      return;
    }

    const range = SupportedVersions.get(apiKey);
    if (!range || version < range[0] || version > range[1]) {
      fail(`unsupported api key ${apiKey} version ${version}`);
      return;
    }

    if (apiKey === ApiKeys.SaslHandshake) {
      const mechanism = reader.string();
      const offered = options.sasl ? [saslMechanismName(options.sasl.mechanism)] : [];
      const accepted = options.sasl !== undefined && mechanism.toUpperCase() === offered[0];
      if (accepted) exchange = createSaslExchange(options.sasl!);
      respond(
        correlationId,
        new Writer()
          .int16(accepted ? ErrorCodes.NONE : ErrorCodes.UNSUPPORTED_SASL_MECHANISM)
          .array(offered, (w, name) => w.string(name)),
      );
      return;
    }

    if (apiKey === ApiKeys.SaslAuthenticate) {
      const input = reader.bytes();
      if (!exchange || authenticated) {
        respond(correlationId, new Writer().int16(ErrorCodes.ILLEGAL_SASL_STATE).string('no SASL handshake in progress').bytes(Buffer.alloc(0)));
        return;
      }
      const step = exchange.step(input);
      if (step.kind === 'failed') {
        // Kafka answers the failure, then closes the connection.
        respond(
          correlationId,
          new Writer().int16(ErrorCodes.SASL_AUTHENTICATION_FAILED).string(step.reason).bytes(Buffer.alloc(0)),
          () => socket.end(),
        );
        return;
      }
      if (step.kind === 'done') {
        authenticated = true;
        exchange = undefined;
      }
      respond(correlationId, new Writer().int16(ErrorCodes.NONE).string(null).bytes(step.reply));
      return;
    }

    if (!authenticated) {
      fail(`api key ${apiKey} before SASL authentication`);
      return;
    }

    const handler = handlers.get(apiKey)!;
    respond(correlationId, await handler(reader, version, context, clientId));
  }

  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (size < 8 || size > MAX_FRAME_BYTES) {
        fail(`invalid frame size ${size}`);
        return;
      }
      if (pending.length < 4 + size) break;
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      handle(frame).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
    }
  });
  // A client vanishing mid-request is normal (crash tests do it on purpose).
  socket.on('error', () => socket.destroy());
}
