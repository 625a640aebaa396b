import { isPlainObject } from './identifiers.js';
import { compileQuery, readField, type SearchContext } from './search.js';
import { entityKey, getEntity, relationTargets, splitEntityKey, type EmulatorState } from './state.js';
import type { StoredEntity } from './types.js';

/**
 * Port's computed properties, evaluated when an entity is read: mirror properties (a value read
 * through relations, `owner.$title` or `service.team.language`) and aggregation properties (count,
 * sum, min, max, median, average over the entities of a blueprint that relate to this one).
 * Calculation properties are jq programs Port runs on its side; the emulator leaves them out.
 * Clients that ask `exclude_calculated_properties=true` (Ocean always does) get none of these.
 */

const MS_PER: Record<string, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000, month: 2_592_000_000 };

function follow(state: EmulatorState, from: StoredEntity[], relation: string): StoredEntity[] {
  const out: StoredEntity[] = [];
  for (const entity of from) {
    const target = state.blueprints.get(entity.blueprint)?.relations[relation]?.target;
    if (target === undefined) continue;
    for (const id of relationTargets(entity.relations[relation])) {
      const found = getEntity(state, target, id);
      if (found !== undefined) out.push(found);
    }
  }
  return out;
}

export function mirrorValue(state: EmulatorState, entity: StoredEntity, path: string): unknown {
  const segments = path.split('.');
  const property = segments.pop() as string;
  let current = [entity];
  let many = false;
  for (const relation of segments) {
    many ||= state.blueprints.get(current[0]?.blueprint ?? '')?.relations[relation]?.many === true;
    current = follow(state, current, relation);
    if (current.length === 0) return many ? [] : null;
  }
  const values = current.map((item) => readField(item, property) ?? null);
  return many ? values : (values[0] ?? null);
}

/** Entities of blueprint `source` that hold a relation to `entity`. */
function relatedFrom(state: EmulatorState, entity: StoredEntity, source: string): StoredEntity[] {
  const out: StoredEntity[] = [];
  for (const key of state.referrers.get(entityKey(entity.blueprint, entity.identifier)) ?? []) {
    const { blueprint, identifier } = splitEntityKey(key);
    if (blueprint !== source) continue;
    const found = getEntity(state, blueprint, identifier);
    if (found !== undefined) out.push(found);
  }
  return out;
}

export function aggregationValue(ctx: SearchContext, entity: StoredEntity, spec: Record<string, unknown>): number | null {
  const target = spec['target'];
  const calculation = spec['calculationSpec'];
  if (typeof target !== 'string' || !isPlainObject(calculation)) return null;
  let related = relatedFrom(ctx.state, entity, target);
  if (isPlainObject(spec['query'])) {
    const predicate = compileQuery(spec['query'], ctx);
    related = related.filter(predicate);
  }
  const func = calculation['func'];
  if (calculation['calculationBy'] === 'entities') {
    if (func === 'count') return related.length;
    if (func === 'average') {
      const unit = String(calculation['averageOf'] ?? 'total');
      if (unit === 'total' || related.length === 0) return related.length;
      const timeField = typeof calculation['measureTimeBy'] === 'string' ? calculation['measureTimeBy'] : '$createdAt';
      const oldest = Math.min(...related.map((item) => Date.parse(String(readField(item, timeField)))).filter((t) => !Number.isNaN(t)));
      const span = MS_PER[unit];
      if (span === undefined || !Number.isFinite(oldest)) return related.length;
      return related.length / Math.max(1, Math.ceil((ctx.now.getTime() - oldest) / span));
    }
    return null;
  }
  const property = calculation['property'];
  if (typeof property !== 'string') return null;
  const numbers = related.map((item) => item.properties[property]).filter((v): v is number => typeof v === 'number');
  if (numbers.length === 0) return func === 'sum' ? 0 : null;
  switch (func) {
    case 'sum': return numbers.reduce((a, b) => a + b, 0);
    case 'min': return Math.min(...numbers);
    case 'max': return Math.max(...numbers);
    case 'average': return numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'median': {
      const sorted = [...numbers].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    }
    default: return null;
  }
}

/** The entity's stored properties plus its mirror and aggregation properties. */
export function withComputedProperties(ctx: SearchContext, entity: StoredEntity): StoredEntity {
  const blueprint = ctx.state.blueprints.get(entity.blueprint);
  if (blueprint === undefined) return entity;
  const mirrors = Object.entries(blueprint.mirrorProperties);
  const aggregations = Object.entries(blueprint.aggregationProperties);
  if (mirrors.length === 0 && aggregations.length === 0) return entity;
  const properties = { ...entity.properties };
  for (const [id, mirror] of mirrors) {
    if (isPlainObject(mirror) && typeof mirror['path'] === 'string') properties[id] = mirrorValue(ctx.state, entity, mirror['path']);
  }
  for (const [id, aggregation] of aggregations) {
    if (isPlainObject(aggregation)) properties[id] = aggregationValue(ctx, entity, aggregation);
  }
  return { ...entity, properties };
}
