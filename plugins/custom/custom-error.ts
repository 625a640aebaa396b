/** What went wrong, one meaning per code (logs, the resync's kind errors and tests read it). */
export type CustomErrorCode =
  /** The integration's config cannot work (a bad number, a missing auth setting, a bad template). */
  | 'CUSTOM_CONFIG_INVALID'
  /** A resource block's selector cannot work (unknown method, bad path_parameters, bad jq). */
  | 'CUSTOM_SELECTOR_INVALID'
  /** The API answered an error status after the retries. */
  | 'CUSTOM_HTTP_ERROR'
  /** The API could not be reached (DNS, refused connection, TLS, timeout). */
  | 'CUSTOM_REQUEST_FAILED'
  /** The custom authentication request failed, or its response lacks what the template reads. */
  | 'CUSTOM_AUTH_FAILED'
  /** The API answered something that is not the JSON the selector expects. */
  | 'CUSTOM_RESPONSE_INVALID'
  /** Pagination cannot go on safely (a cursor or next link that does not advance, another origin). */
  | 'CUSTOM_PAGINATION_ERROR'
  /** A jq expression failed on a response (data_path, a path parameter's field or filter). */
  | 'CUSTOM_JQ_ERROR';

/** An error of the custom integration, with a code and a message that names what and where. */
export class CustomIntegrationError extends Error {
  override name = 'CustomIntegrationError';
  readonly code: CustomErrorCode;
  /** HTTP status, for `CUSTOM_HTTP_ERROR` and `CUSTOM_AUTH_FAILED` answered by the server. */
  readonly status: number | undefined;

  constructor(code: CustomErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}
