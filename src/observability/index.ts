export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, INTEGRATION_STATUSES, type HostMetrics, type IntegrationStatusName } from './metrics.js';
export { createSecretRedactor, MIN_SECRET_LENGTH, REDACTED, SECRET_KEYS, type SecretRedactor } from './secret-redactor.js';
