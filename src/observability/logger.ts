import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACTED, type SecretRedactor } from './secret-redactor.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream that captures them. */
  destination?: DestinationStream;
  /** Masks registered secret values and token shapes in every line. */
  redactor: SecretRedactor;
}

/**
 * Field paths masked structurally, whatever their value. Value-based masking (the redactor)
 * covers the rest, such as a token inside an error message.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  'token',
  'password',
  'clientSecret',
  'client_secret',
  'accessToken',
  '*.token',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.apiKey',
];

/**
 * The host's root logger: pino with structured redaction plus value redaction applied to each
 * serialised line just before it is written, so nothing reaches the stream unmasked.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'marina' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: (line) => options.redactor.redact(line) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
