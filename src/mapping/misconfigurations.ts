import type { ResourceConfig } from './types.js';

/**
 * How Ocean reports misconfigured fields (ocean-behavior.md §4.1 step 8): ERROR when the
 * blueprint requires the field (`schema.required` for properties, `required: true` for
 * relations), WARNING otherwise, and WARNING for everything when the blueprint is unknown.
 */

export interface BlueprintRequirements {
  schema?: { required?: string[] };
  relations?: Record<string, { required?: boolean }>;
}

export interface MisconfigurationReport {
  path: string;
  expression: string;
  level: 'error' | 'warning';
}

/**
 * The blueprint a resource maps to, as Ocean finds it: the mapping text with surrounding quotes
 * stripped, so only a constant literal such as `'"service"'` resolves.
 */
export function blueprintIdOf(resource: ResourceConfig): string | undefined {
  const text = resource.port.entity.mappings.blueprint.trim();
  const match = /^["'](.*)["']$/.exec(text);
  return match && !/["'\\]/.test(match[1]!) ? match[1] : undefined;
}

export function classifyMisconfigurations(
  misconfigurations: Record<string, string>,
  blueprint: BlueprintRequirements | undefined,
): MisconfigurationReport[] {
  const requiredProperties = new Set(blueprint?.schema?.required ?? []);
  const requiredRelations = new Set(
    Object.entries(blueprint?.relations ?? {})
      .filter(([, r]) => r.required === true)
      .map(([name]) => name),
  );
  return Object.entries(misconfigurations).map(([path, expression]) => {
    // `relations.owner.rules[0].value` (a leaf of a search-query relation) belongs to `owner`.
    const [section, name] = /^([^.[]+)\.([^.[]+)/.exec(path)?.slice(1) ?? [path, ''];
    const required = (section === 'properties' && requiredProperties.has(name!)) || (section === 'relations' && requiredRelations.has(name!));
    return { path, expression, level: required ? 'error' : 'warning' };
  });
}
