/**
 * Fault injection: chosen routes answer with 5xx, wait longer, drop the connection or refuse with
 * 429 storms, at configured shares of requests. Rules are replaced as a whole at run time; the
 * first rule that matches a request decides. Randomness comes from a seedable generator so a test
 * can reproduce a run.
 */

export interface FaultRule {
  method?: string;
  /** A route pattern as in port-api.md (`:name` or `{name}` matches one path segment), or `*`. */
  path?: string;
  errorRate?: number;
  errorStatuses?: number[];
  latencyMs?: number;
  resetRate?: number;
  rateLimitStormRate?: number;
  retryAfterSeconds?: number;
}

export type FaultAction =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'error'; status: number; latencyMs: number }
  | { kind: 'reset'; latencyMs: number }
  | { kind: 'storm'; retryAfterSeconds: number; latencyMs: number };

export interface FaultInjector {
  setRules(rules: FaultRule[]): void;
  rules(): FaultRule[];
  decide(method: string, path: string): FaultAction;
}

function checkRate(rule: FaultRule, key: 'errorRate' | 'resetRate' | 'rateLimitStormRate', index: number): void {
  const value = rule[key];
  if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 1)) {
    throw new RangeError(`fault rule ${index}: ${key} must be a number from 0 to 1`);
  }
}

/** Throws a RangeError naming the rule and field when a rule is malformed. */
export function validateFaultRules(rules: unknown): FaultRule[] {
  if (!Array.isArray(rules)) throw new RangeError('fault rules must be an array');
  rules.forEach((rule: FaultRule, index) => {
    if (typeof rule !== 'object' || rule === null) throw new RangeError(`fault rule ${index} must be an object`);
    checkRate(rule, 'errorRate', index);
    checkRate(rule, 'resetRate', index);
    checkRate(rule, 'rateLimitStormRate', index);
    if (rule.latencyMs !== undefined && (typeof rule.latencyMs !== 'number' || rule.latencyMs < 0)) throw new RangeError(`fault rule ${index}: latencyMs must be a number >= 0`);
    if (rule.errorStatuses !== undefined && (!Array.isArray(rule.errorStatuses) || rule.errorStatuses.length === 0 || rule.errorStatuses.some((s) => !Number.isInteger(s) || s < 400 || s > 599))) {
      throw new RangeError(`fault rule ${index}: errorStatuses must be a non-empty array of HTTP error statuses`);
    }
    if (rule.path !== undefined && typeof rule.path !== 'string') throw new RangeError(`fault rule ${index}: path must be a string`);
    if (rule.method !== undefined && typeof rule.method !== 'string') throw new RangeError(`fault rule ${index}: method must be a string`);
  });
  return rules as FaultRule[];
}

function compilePath(pattern: string | undefined): (path: string) => boolean {
  if (pattern === undefined || pattern === '*') return () => true;
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (/^:\w+$/.test(segment) || /^\{\w+\}$/.test(segment)) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return (path) => regex.test(path);
}

/** mulberry32: small, fast and seedable. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createFaultInjector(initial: FaultRule[] = [], random: () => number = Math.random): FaultInjector {
  let compiled: { rule: FaultRule; matches: (method: string, path: string) => boolean }[] = [];
  const setRules = (rules: FaultRule[]) => {
    compiled = validateFaultRules(rules).map((rule) => {
      const pathMatches = compilePath(rule.path);
      const method = rule.method?.toUpperCase();
      return { rule: { ...rule }, matches: (m: string, p: string) => (method === undefined || method === m) && pathMatches(p) };
    });
  };
  setRules(initial);
  return {
    setRules,
    rules: () => compiled.map((entry) => ({ ...entry.rule })),
    decide(method, path) {
      const entry = compiled.find((candidate) => candidate.matches(method, path));
      if (entry === undefined) return { kind: 'none', latencyMs: 0 };
      const { rule } = entry;
      const latencyMs = rule.latencyMs ?? 0;
      if (rule.resetRate !== undefined && random() < rule.resetRate) return { kind: 'reset', latencyMs };
      if (rule.rateLimitStormRate !== undefined && random() < rule.rateLimitStormRate) {
        return { kind: 'storm', retryAfterSeconds: rule.retryAfterSeconds ?? 1, latencyMs };
      }
      if (rule.errorRate !== undefined && random() < rule.errorRate) {
        const statuses = rule.errorStatuses ?? [500, 502, 503];
        return { kind: 'error', status: statuses[Math.floor(random() * statuses.length)] as number, latencyMs };
      }
      return { kind: 'none', latencyMs };
    },
  };
}
