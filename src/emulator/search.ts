import { isPlainObject } from './identifiers.js';
import { invalidRequest } from './port-error.js';
import { entityKey, getEntity, relationTargets, splitEntityKey, type EmulatorState } from './state.js';
import type { StoredEntity } from './types.js';

/**
 * Port's search query language, compiled once into a predicate and then run over the store:
 * nested and/or groups (an empty `and` matches everything, an empty `or` matches nothing, so an
 * empty "didn't pass selector" cleanup can never select every entity), comparison, string, array,
 * date, emptiness, relation (`relatedTo`), path (`matchAny`) and property-schema rules, and the
 * `$`-prefixed meta properties including the undocumented `$datasource`.
 */

export type EntityPredicate = (entity: StoredEntity) => boolean;

export interface SearchContext {
  state: EmulatorState;
  now: Date;
}

const DAY = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function readField(entity: StoredEntity, property: string): unknown {
  switch (property) {
    case '$identifier': return entity.identifier;
    case '$title': return entity.title ?? null;
    case '$team': return entity.team;
    case '$icon': return entity.icon ?? null;
    case '$blueprint': return entity.blueprint;
    case '$createdAt': return entity.createdAt;
    case '$updatedAt': return entity.updatedAt;
    case '$createdBy': return entity.createdBy;
    case '$updatedBy': return entity.updatedBy;
    case '$datasource': return entity.datasource;
  }
  if (Object.prototype.hasOwnProperty.call(entity.properties, property)) return entity.properties[property];
  if (Object.prototype.hasOwnProperty.call(entity.relations, property)) return entity.relations[property];
  return undefined;
}

function asTime(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  }
  return undefined;
}

function equals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual) && !Array.isArray(expected)) return actual.some((item) => equals(item, expected));
  if (actual === undefined) return expected === null;
  if (actual === expected) return true;
  const a = asTime(actual);
  const b = asTime(expected);
  if (a !== undefined && b !== undefined) return a === b;
  return typeof actual === 'object' && actual !== null && JSON.stringify(actual) === JSON.stringify(expected);
}

function compare(actual: unknown, expected: unknown): number | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  const a = asTime(actual);
  const b = asTime(expected);
  if (a !== undefined && b !== undefined) return a - b;
  if (typeof actual === 'string' && typeof expected === 'string') return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function presetRange(preset: string, now: Date): { from: number; to: number } | undefined {
  const t = now.getTime();
  const startOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const spans: Record<string, number> = {
    lastDay: 1, lastWeek: 7, last2Weeks: 14, lastMonth: 30, last3Months: 90, last6Months: 180,
    last12Months: 365, last2Years: 730, last3Years: 1095,
  };
  if (preset === 'today') return { from: startOfToday, to: startOfToday + DAY };
  if (preset === 'tomorrow') return { from: startOfToday + DAY, to: startOfToday + 2 * DAY };
  if (preset === 'yesterday') return { from: startOfToday - DAY, to: startOfToday };
  const days = spans[preset];
  return days === undefined ? undefined : { from: t - days * DAY, to: t };
}

function dateRange(value: unknown, now: Date, where: string): { from: number; to: number } {
  if (isPlainObject(value)) {
    if (typeof value['preset'] === 'string') {
      const range = presetRange(value['preset'], now);
      if (range === undefined) throw invalidRequest(`${where}.value.preset "${value['preset']}" is not a known date preset`);
      return range;
    }
    const from = asTime(value['from']);
    const to = asTime(value['to']);
    if (from !== undefined && to !== undefined) return { from, to };
  }
  throw invalidRequest(`${where}.value must be {from, to} ISO dates or {preset}`);
}

/** Walks the relation graph from `starts`; `upstream` follows relations out, `downstream` follows referrers in. */
function relatedKeys(
  ctx: SearchContext,
  starts: string[],
  direction: 'upstream' | 'downstream',
  required: boolean | undefined,
): Set<string> {
  const seen = new Set<string>(starts);
  const queue = [...starts];
  const edgeAllowed = (blueprint: string, relation: string) => {
    if (required === undefined) return true;
    return ctx.state.blueprints.get(blueprint)?.relations[relation]?.required === required;
  };
  while (queue.length > 0) {
    const key = queue.pop() as string;
    const { blueprint, identifier } = splitEntityKey(key);
    const next: string[] = [];
    if (direction === 'upstream') {
      const entity = getEntity(ctx.state, blueprint, identifier);
      const schema = ctx.state.blueprints.get(blueprint);
      if (entity !== undefined && schema !== undefined) {
        for (const [relation, value] of Object.entries(entity.relations)) {
          const target = schema.relations[relation]?.target;
          if (target === undefined || !edgeAllowed(blueprint, relation)) continue;
          for (const id of relationTargets(value)) next.push(entityKey(target, id));
        }
      }
    } else {
      for (const source of ctx.state.referrers.get(key) ?? []) {
        const from = splitEntityKey(source);
        const entity = getEntity(ctx.state, from.blueprint, from.identifier);
        const schema = ctx.state.blueprints.get(from.blueprint);
        if (entity === undefined || schema === undefined) continue;
        const points = Object.entries(entity.relations).some(
          ([relation, value]) =>
            schema.relations[relation]?.target === blueprint &&
            relationTargets(value).includes(identifier) &&
            edgeAllowed(from.blueprint, relation),
        );
        if (points) next.push(source);
      }
    }
    for (const key2 of next) {
      if (seen.has(key2)) continue;
      seen.add(key2);
      queue.push(key2);
    }
  }
  for (const start of starts) seen.delete(start);
  return seen;
}

/** The identifiers reached from `entity` by following `path` (relation ids, or {relation, maxHops}). */
function followPath(ctx: SearchContext, entity: StoredEntity, path: unknown[]): Set<string> {
  let frontier: StoredEntity[] = [entity];
  let ids = new Set<string>();
  for (const step of path) {
    const relation = typeof step === 'string' ? step : isPlainObject(step) ? String(step['relation']) : '';
    const maxHops = isPlainObject(step) && typeof step['maxHops'] === 'number' ? step['maxHops'] : 1;
    const reached: StoredEntity[] = [];
    ids = new Set();
    let hop = frontier;
    for (let i = 0; i < maxHops && hop.length > 0; i++) {
      const nextHop: StoredEntity[] = [];
      for (const current of hop) {
        const target = ctx.state.blueprints.get(current.blueprint)?.relations[relation]?.target;
        if (target === undefined) continue;
        for (const id of relationTargets(current.relations[relation])) {
          if (ids.has(`${target}\u0000${id}`)) continue;
          ids.add(`${target}\u0000${id}`);
          const found = getEntity(ctx.state, target, id);
          if (found !== undefined) nextHop.push(found);
        }
      }
      reached.push(...nextHop);
      hop = nextHop;
    }
    frontier = reached;
  }
  return new Set([...ids].map((key) => splitEntityKey(key).identifier));
}

function compileRule(rule: Record<string, unknown>, ctx: SearchContext, where: string): EntityPredicate {
  const operator = rule['operator'];
  if (typeof operator !== 'string') throw invalidRequest(`${where}.operator must be a string`);
  const value = rule['value'];

  if (operator === 'relatedTo') {
    const blueprint = rule['blueprint'];
    if (typeof blueprint !== 'string') throw invalidRequest(`${where}.blueprint must be a blueprint identifier`);
    const ids = strings(value);
    if (ids.length === 0 && value !== undefined && typeof value !== 'string') throw invalidRequest(`${where}.value must be an identifier or an array of identifiers`);
    const direction = rule['direction'];
    if (direction !== undefined && direction !== 'upstream' && direction !== 'downstream') throw invalidRequest(`${where}.direction must be "upstream" or "downstream"`);
    const required = typeof rule['required'] === 'boolean' ? rule['required'] : undefined;
    const starts = ids.map((id) => entityKey(blueprint, id));
    const related = new Set<string>();
    const directions: ('upstream' | 'downstream')[] = direction === undefined ? ['upstream', 'downstream'] : [direction];
    for (const dir of directions) {
      for (const key of relatedKeys(ctx, starts, dir, required)) related.add(key);
    }
    return (entity) => related.has(entityKey(entity.blueprint, entity.identifier));
  }

  if (rule['context'] !== undefined || (isPlainObject(rule['property']) && rule['property']['context'] !== undefined) || (isPlainObject(value) && value['context'] !== undefined)) {
    throw invalidRequest(`${where}: contextual rules need a user's token; the emulator issues machine tokens only`);
  }

  if (operator === 'matchAny') {
    const property = rule['property'];
    if (!isPlainObject(property) || !Array.isArray(property['path'])) throw invalidRequest(`${where}.property.path must be an array of relations`);
    const path = property['path'] as unknown[];
    const wanted = new Set(strings(value));
    const fromBlueprint = property['fromBlueprint'];
    if (typeof fromBlueprint === 'string') {
      // Entities reached from the given `fromBlueprint` entities along the path.
      const reachable = new Set<string>();
      for (const id of wanted) {
        const start = getEntity(ctx.state, fromBlueprint, id);
        if (start !== undefined) for (const reached of followPath(ctx, start, path)) reachable.add(reached);
      }
      return (entity) => reachable.has(entity.identifier);
    }
    return (entity) => {
      for (const id of followPath(ctx, entity, path)) if (wanted.has(id)) return true;
      return false;
    };
  }

  if (isPlainObject(rule['propertySchema'])) {
    const wantedType = rule['propertySchema']['type'];
    const wantedFormat = rule['propertySchema']['format'];
    const inner = compileOperator(operator, value, ctx, where);
    return (entity) => {
      const schema = ctx.state.blueprints.get(entity.blueprint);
      if (schema === undefined) return false;
      const values = Object.entries(schema.schema.properties)
        .filter(([, prop]) => prop.type === wantedType && (wantedFormat === undefined || prop.format === wantedFormat))
        .map(([id]) => entity.properties[id]);
      return operator === '!=' ? values.every((item) => inner(item)) : values.some((item) => inner(item));
    };
  }

  const property = typeof rule['property'] === 'string' ? rule['property'] : typeof rule['relation'] === 'string' ? rule['relation'] : undefined;
  if (property === undefined) throw invalidRequest(`${where}.property must be a property identifier or a $meta property`);
  const test = compileOperator(operator, value, ctx, where);
  return (entity) => test(readField(entity, property));
}

function compileOperator(operator: string, value: unknown, ctx: SearchContext, where: string): (actual: unknown) => boolean {
  const needArray = () => {
    if (!Array.isArray(value)) throw invalidRequest(`${where}.value must be an array for operator "${operator}"`);
    return value as unknown[];
  };
  const needString = () => {
    if (typeof value !== 'string') throw invalidRequest(`${where}.value must be a string for operator "${operator}"`);
    return value;
  };
  const stringTest = (test: (actual: string, expected: string) => boolean, negate: boolean) => {
    const expected = needString();
    return (actual: unknown) => {
      const hit = Array.isArray(actual)
        ? actual.some((item) => typeof item === 'string' && test(item, expected))
        : typeof actual === 'string' && test(actual, expected);
      return negate ? !hit : hit;
    };
  };
  switch (operator) {
    case '=': return (actual) => equals(actual, value);
    case '!=': return (actual) => !equals(actual, value);
    case '>': case '>=': case '<': case '<=': {
      if (typeof value !== 'number' && asTime(value) === undefined) throw invalidRequest(`${where}.value must be a number or an ISO date for operator "${operator}"`);
      return (actual) => {
        const diff = compare(actual, value);
        if (diff === undefined) return false;
        return operator === '>' ? diff > 0 : operator === '>=' ? diff >= 0 : operator === '<' ? diff < 0 : diff <= 0;
      };
    }
    case 'in': {
      const list = needArray();
      return (actual) => list.some((item) => equals(actual, item));
    }
    case 'notIn': {
      const list = needArray();
      return (actual) => !list.some((item) => equals(actual, item));
    }
    case 'contains': return stringTest((a, e) => a.includes(e), false);
    case 'doesNotContains': case 'doesNotContain': return stringTest((a, e) => a.includes(e), true);
    case 'beginsWith': return stringTest((a, e) => a.startsWith(e), false);
    case 'doesNotBeginsWith': case 'doesNotBeginWith': return stringTest((a, e) => a.startsWith(e), true);
    case 'endsWith': return stringTest((a, e) => a.endsWith(e), false);
    case 'doesNotEndsWith': case 'doesNotEndWith': return stringTest((a, e) => a.endsWith(e), true);
    case 'containsAny': {
      const list = needArray().map(String);
      return (actual) => {
        if (Array.isArray(actual)) return actual.some((item) => list.includes(String(item)));
        return typeof actual === 'string' && list.some((item) => actual.includes(item));
      };
    }
    case 'isEmpty': return (actual) => isEmpty(actual);
    case 'isNotEmpty': return (actual) => !isEmpty(actual);
    case 'isExpired': return (actual) => { const t = asTime(actual); return t !== undefined && t <= ctx.now.getTime(); };
    case 'isNotExpired': return (actual) => { const t = asTime(actual); return t === undefined || t > ctx.now.getTime(); };
    case 'between': case 'notBetween': {
      const range = dateRange(value, ctx.now, where);
      return (actual) => {
        const t = asTime(actual);
        const inside = t !== undefined && t >= range.from && t <= range.to;
        return operator === 'between' ? inside : !inside;
      };
    }
    default:
      throw invalidRequest(`${where}.operator "${operator}" is not a known search operator`);
  }
}

/** Compiles a `{combinator, rules}` query. Throws a 422 PortApiError naming the bad part. */
export function compileQuery(query: unknown, ctx: SearchContext, where = 'query', topLevel = true): EntityPredicate {
  if (!isPlainObject(query)) throw invalidRequest(`${where} must be an object with combinator and rules`);
  if (topLevel) {
    for (const key of Object.keys(query)) if (key !== 'combinator' && key !== 'rules') throw invalidRequest(`${where}/${key} is not allowed in a query`);
  }
  const combinator = query['combinator'];
  if (combinator !== 'and' && combinator !== 'or') throw invalidRequest(`${where}.combinator must be "and" or "or"`);
  const rules = query['rules'];
  if (!Array.isArray(rules)) throw invalidRequest(`${where}.rules must be an array`);
  const parts = rules.map((rule, i) => {
    const at = `${where}.rules[${i}]`;
    if (!isPlainObject(rule)) throw invalidRequest(`${at} must be an object`);
    return rule['combinator'] !== undefined ? compileQuery(rule, ctx, at, false) : compileRule(rule, ctx, at);
  });
  if (combinator === 'and') return (entity) => parts.every((part) => part(entity));
  return (entity) => parts.some((part) => part(entity));
}

/**
 * Picks the entities a query can possibly match without scanning the store when the query pins
 * them down: a top-level `$blueprint =` rule narrows to one blueprint, and an `$identifier` `=`
 * or `in` rule beside it to direct lookups (the shape of Ocean's pre-upsert diff queries).
 */
function candidates(state: EmulatorState, query: Record<string, unknown>, blueprint: string | undefined): Iterable<StoredEntity> {
  let bp = blueprint;
  let ids: string[] | undefined;
  if (query['combinator'] === 'and' && Array.isArray(query['rules'])) {
    for (const rule of query['rules'] as unknown[]) {
      if (!isPlainObject(rule)) continue;
      if (rule['property'] === '$blueprint' && rule['operator'] === '=' && typeof rule['value'] === 'string') {
        if (bp !== undefined && bp !== rule['value']) return [];
        bp = rule['value'];
      }
      if (rule['property'] === '$identifier' && rule['operator'] === '=' && typeof rule['value'] === 'string') ids = [rule['value']];
      if (rule['property'] === '$identifier' && rule['operator'] === 'in' && Array.isArray(rule['value'])) ids = strings(rule['value']);
    }
  }
  if (bp !== undefined) {
    const map = state.entities.get(bp);
    if (map === undefined) return [];
    if (ids !== undefined) return ids.map((id) => map.get(id)).filter((e): e is StoredEntity => e !== undefined);
    return map.values();
  }
  return (function* all() {
    for (const map of state.entities.values()) yield* map.values();
  })();
}

export function searchEntities(ctx: SearchContext, query: unknown, blueprint?: string): StoredEntity[] {
  const predicate = compileQuery(query, ctx);
  const out: StoredEntity[] = [];
  for (const entity of candidates(ctx.state, query as Record<string, unknown>, blueprint)) {
    if (predicate(entity)) out.push(entity);
  }
  return out;
}
