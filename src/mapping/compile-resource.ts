import { extractDeletionPath } from './deletion-path.js';
import { rewriteSingleQuotes } from './quote-rewrite.js';
import type { ResourceConfig } from './types.js';

/**
 * Flattens a resource's mapping into the list of jq expressions it runs (every leaf string,
 * including search-query leaves) and a template that rebuilds the entity from their results.
 */

export interface FieldSpec {
  /** Field path for misconfiguration reports, e.g. `properties.url` or `relations.owner.rules[0].value`. */
  path: string;
  /** The expression as written in the mapping. */
  expression: string;
  /** The program jq compiles: the expression after Ocean's single-quote rewrite. */
  program: string;
}

export type Template =
  | { t: 'field'; index: number }
  | { t: 'object'; entries: [string, Template][] }
  | { t: 'list'; items: Template[] }
  | { t: 'null' };

export interface ResourcePlan {
  selector: FieldSpec;
  /** Entity fields, in mapping order; `template` refers to them by index. */
  fields: FieldSpec[];
  template: Extract<Template, { t: 'object' }>;
  itemsToParse?: {
    items: FieldSpec;
    /** `. | del(<path>)`, or undefined when no path can be extracted (Ocean then drops the parent). */
    strip: FieldSpec | undefined;
    transform: boolean;
    name: string;
  };
}

function spec(path: string, expression: string): FieldSpec {
  return { path, expression, program: rewriteSingleQuotes(expression) };
}

function buildTemplate(value: unknown, path: string, fields: FieldSpec[]): Template {
  if (typeof value === 'string') {
    fields.push(spec(path, value));
    return { t: 'field', index: fields.length - 1 };
  }
  if (Array.isArray(value)) {
    // Ocean evaluates a list only when every element is an object; otherwise the key is null.
    if (!value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) return { t: 'null' };
    return { t: 'list', items: value.map((v, i) => buildTemplate(v, `${path}[${i}]`, fields)) };
  }
  if (typeof value === 'object' && value !== null) {
    return {
      t: 'object',
      entries: Object.entries(value).map(([k, v]) => [k, buildTemplate(v, path === '' ? k : `${path}.${k}`, fields)]),
    };
  }
  return { t: 'null' };
}

export function planResource(resource: ResourceConfig): ResourcePlan {
  const fields: FieldSpec[] = [];
  const template = buildTemplate(resource.port.entity.mappings, '', fields) as Extract<Template, { t: 'object' }>;
  const plan: ResourcePlan = { selector: spec('selector.query', resource.selector.query), fields, template };
  const itemsToParse = resource.port.itemsToParse;
  if (itemsToParse !== undefined) {
    const path = extractDeletionPath(itemsToParse);
    plan.itemsToParse = {
      items: spec('port.itemsToParse', itemsToParse),
      strip: path === undefined ? undefined : spec('port.itemsToParse (top-level transform)', `. | del(${path})`),
      transform: resource.port.itemsToParseTopLevelTransform,
      name: resource.port.itemsToParseName,
    };
  }
  return plan;
}

/** Python's truthiness, which Ocean applies to identifier and blueprint. */
export function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}
