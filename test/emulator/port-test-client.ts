import { createConformanceChecker, type ConformanceChecker } from './openapi-conformance.js';

/**
 * A small Port client for the emulator's tests. Every response it receives is checked against
 * Port's OpenAPI response schema for that route and status, so each HTTP test is also a
 * conformance test; `checkedRoutes` records what was covered.
 */
export interface PortResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface PortTestClient {
  token(): Promise<string>;
  call(method: string, path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string>; raw?: string }): Promise<PortResponse>;
  readonly checkedRoutes: Set<string>;
  readonly violations: string[];
}

let sharedChecker: ConformanceChecker | undefined;

export function conformanceChecker(): ConformanceChecker {
  sharedChecker ??= createConformanceChecker();
  return sharedChecker;
}

export const OCEAN_UA = 'port-ocean/github/1.2.3/my-github/exporter';

export interface ConformanceRecord {
  checkedRoutes: Set<string>;
  violations: string[];
}

export function createConformanceRecord(): ConformanceRecord {
  return { checkedRoutes: new Set(), violations: [] };
}

/** `record` lets several clients (say, before and after a token reset) report into one place. */
export function createPortTestClient(
  baseUrl: string,
  credentials = { clientId: 'test-client', clientSecret: 'test-secret' },
  record: ConformanceRecord = createConformanceRecord(),
): PortTestClient {
  const checker = conformanceChecker();
  const { checkedRoutes, violations } = record;
  let cached: string | undefined;

  const client: PortTestClient = {
    checkedRoutes,
    violations,
    async token() {
      if (cached !== undefined) return cached;
      const response = await client.call('POST', '/v1/auth/access_token', credentials, { token: null });
      if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(response.body)}`);
      cached = response.body.accessToken as string;
      return cached;
    },
    async call(method, path, body, options = {}) {
      const token = options.token === undefined ? await client.token() : options.token;
      const headers: Record<string, string> = { 'user-agent': OCEAN_UA, ...options.headers };
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      let payload: string | undefined = options.raw;
      if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path} answered ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
      }
      if (path.startsWith('/v1/')) {
        const result = checker.check(method, path, response.status, parsed);
        if (result.checked) checkedRoutes.add(`${method} ${result.route} ${response.status}`);
        for (const error of result.errors) violations.push(`${method} ${path} ${response.status}: ${error}`);
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
  };
  return client;
}
