/**
 * Marina's error catalogue. Every error the host raises on purpose is a `MarinaError` with a
 * stable `code`; operators and tests match on codes, never on message text. Context goes in
 * `details` (file, path, integration, ...), never secrets.
 */
export type ErrorCode =
  // host config
  | 'CONFIG_INVALID'
  | 'CONFIG_PARSE_FAILED'
  | 'CONFIG_MISSING_ENV'
  | 'CONFIG_NOT_FOUND'
  // plugins
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_LOAD_FAILED'
  | 'PLUGIN_INVALID_EXPORT'
  | 'PLUGIN_SPEC_INVALID'
  | 'PLUGIN_CONFIG_INVALID'
  | 'PLUGIN_SETUP_FAILED'
  | 'PLUGIN_SETUP_TIMEOUT'
  | 'PLUGIN_VERSION_MISMATCH'
  // mapping
  | 'MAPPING_INVALID'
  | 'MAPPING_PARSE_FAILED'
  | 'MAPPING_JQ_COMPILE'
  | 'MAPPING_JQ_RUNTIME'
  | 'MAPPING_RECORD_INVALID'
  | 'MAPPING_WORKER_FAILED'
  // Port
  | 'PORT_AUTH_FAILED'
  | 'PORT_HTTP_ERROR'
  | 'PORT_RATE_LIMITED'
  | 'PORT_UNAVAILABLE'
  | 'PORT_REQUEST_TOO_LARGE'
  | 'PORT_PROVISIONING_FAILED'
  | 'PORT_RESPONSE_INVALID'
  // resync
  | 'RESYNC_ABORTED'
  | 'RESYNC_KIND_NOT_IMPLEMENTED'
  | 'RESYNC_PAGE_TIMEOUT'
  | 'RESYNC_PLUGIN_FAILED'
  | 'RESYNC_BAD_RECORD'
  | 'RESYNC_FAILED'
  | 'RESYNC_DISABLED'
  // resync scheduler
  | 'SCHEDULER_UNKNOWN_ID'
  | 'SCHEDULER_DUPLICATE_ID'
  | 'SCHEDULER_INVALID_TASK'
  | 'SCHEDULER_STOPPED'
  // live events
  | 'LIVE_BODY_INVALID'
  | 'LIVE_BODY_TOO_LARGE'
  | 'LIVE_UNAUTHORIZED'
  | 'LIVE_EVENT_FAILED'
  | 'LIVE_EVENT_TIMEOUT'
  | 'LIVE_NOT_FOUND'
  | 'LIVE_NOT_READY'
  | 'LIVE_STORE_FAILED'
  | 'LIVE_PROCESSOR_FAILED'
  // Kafka listener
  | 'KAFKA_CONNECT_FAILED'
  | 'KAFKA_AUTH_FAILED'
  | 'KAFKA_CREDENTIALS_NOT_FOUND'
  // lifecycle
  | 'HOST_SHUTDOWN_TIMEOUT'
  | 'HOST_NOT_RUNNING'
  | 'HOST_LISTEN_FAILED'
  // data directory
  /** Another live process holds the data directory's lock. */
  | 'DATA_DIR_LOCKED'
  /** The data directory or its lock file cannot be created or written. */
  | 'DATA_DIR_UNAVAILABLE'
  // Port emulator
  | 'EMULATOR_OPTIONS_INVALID'
  | 'EMULATOR_DATA_CORRUPT';

export interface MarinaErrorOptions {
  cause?: unknown;
  /** Whether retrying the same operation may succeed. */
  retryable?: boolean;
  /** Where and what: file, path, field, line, integration, kind... Never secrets. */
  details?: Record<string, unknown>;
}

export class MarinaError extends Error {
  override name = 'MarinaError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: MarinaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export function isMarinaError(error: unknown, code?: ErrorCode): error is MarinaError {
  return error instanceof MarinaError && (code === undefined || error.code === code);
}

/** The message with its cause chain, one line each (see observability/describe-error.ts). */
export { describeError } from './observability/describe-error.js';
