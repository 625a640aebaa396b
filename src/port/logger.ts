/** The slice of pino's Logger that port/ uses, so tests and callers can pass any pino logger. */
export interface PortLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: PortLogger = { debug() {}, info() {}, warn() {}, error() {} };
