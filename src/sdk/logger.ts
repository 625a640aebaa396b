/**
 * The logging surface a plugin sees. It is the subset of pino's `Logger` that plugins need,
 * declared here so the SDK depends on nothing; the host passes a real pino child logger.
 */
export interface PluginLogger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** A logger that adds `bindings` to every line it writes. */
  child(bindings: Record<string, unknown>): PluginLogger;
}
