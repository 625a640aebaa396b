import type { Authenticator } from './custom-auth.js';
import { CustomIntegrationError } from './custom-error.js';
import type { HttpTransport } from './custom-http.js';
import { describeUrl, excerpt, type ApiRequest, type ApiResponse } from './custom-request.js';

/** Authenticated requests to the API. */
export interface CustomApi {
  /**
   * Sends `request` with the integration's credentials. A 401 renews custom credentials and
   * sends the request once more.
   * @throws CustomIntegrationError `CUSTOM_HTTP_ERROR` for a status of 400 or more (after the
   *   transport's retries), with the status, method, URL (without its query) and the body's start.
   */
  request(request: ApiRequest, signal: AbortSignal): Promise<ApiResponse>;
}

export function createCustomApi(transport: HttpTransport, authenticator: Authenticator): CustomApi {
  return {
    async request(request, signal) {
      for (let attempt = 1; ; attempt++) {
        const { request: authenticated, generation } = await authenticator.apply(request);
        const response = await transport.send(authenticated, signal);
        if (response.status === 401 && attempt === 1 && (await authenticator.renew(generation))) continue;
        if (response.status >= 400) {
          throw new CustomIntegrationError('CUSTOM_HTTP_ERROR', `${request.method} ${describeUrl(response.url)} answered ${response.status}: ${excerpt(response.text) || '(empty body)'}`, {
            status: response.status,
          });
        }
        return { url: response.url, status: response.status, headers: response.headers, body: response.body };
      }
    },
  };
}
