/**
 * Errors the emulator answers with. Port's error envelope is `{ ok: false, error, message }`
 * with a stable `error` code; every handler throws a `PortApiError` and the server's error
 * handler turns it into that envelope, so no route formats errors by hand.
 */
export class PortApiError extends Error {
  override name = 'PortApiError';
  readonly statusCode: number;
  readonly error: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(statusCode: number, error: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.statusCode = statusCode;
    this.error = error;
    this.details = details;
  }
}

export function notFound(message: string): PortApiError {
  return new PortApiError(404, 'not_found', message);
}

/** 422: the JSON does not match the route's schema (Port's wording for request-shape errors). */
export function invalidRequest(message: string): PortApiError {
  return new PortApiError(422, 'invalid_request', message);
}

export function schemaMismatch(message: string): PortApiError {
  return new PortApiError(422, 'blueprint_schema_mismatch', message);
}

export function identifierTaken(message: string): PortApiError {
  return new PortApiError(409, 'identifier_taken', message);
}

export interface ErrorEnvelope {
  ok: false;
  error: string;
  message: string;
}

export function toEnvelope(error: PortApiError): ErrorEnvelope {
  return { ok: false, error: error.error, message: error.message };
}
