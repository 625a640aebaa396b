/**
 * Routes kafkajs's own log lines into the integration's pino logger, with every known secret
 * (SASL password, TLS passphrase) scrubbed from messages and fields first: kafkajs logs
 * connection details and error texts, and Marina's rule is that credentials never reach a log.
 */
import kafkajs from 'kafkajs';
import type { logCreator, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

const { logLevel } = kafkajs;

export const REDACTED = '[redacted]';

/** Keys whose values are dropped wherever they appear, whatever they contain. */
const SECRET_KEYS = new Set(['password', 'passphrase', 'sasl', 'authorization', 'key', 'cert', 'ca', 'pfx']);

/** Returns `text` with every occurrence of each secret replaced. Empty secrets are ignored. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join(REDACTED);
  return result;
}

function scrubValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: scrubSecrets(value.message, secrets) };
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : scrubValue(item, secrets, depth + 1);
  }
  return out;
}

/** The kafkajs log level matching what the pino logger would print anyway. */
export function kafkajsLogLevel(logger: Logger): number {
  if (logger.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

export function createKafkaLogCreator(logger: Logger, secrets: readonly string[]): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const line = scrubSecrets(String(message), secrets);
      const context = { kafkajs: namespace, ...(scrubValue(fields, secrets) as Record<string, unknown>) };
      // kafkajs narrates every connect and join at INFO; for a daemon hosting many
      // integrations that is debug detail. Warnings and errors keep their level.
      if (level === logLevel.ERROR) logger.error(context, line);
      else if (level === logLevel.WARN) logger.warn(context, line);
      else logger.debug(context, line);
    };
}
