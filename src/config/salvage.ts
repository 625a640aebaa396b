import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * What is still usable in a host config the schema refused, so the checks after the schema
 * (duplicate identifiers, plugin types, each integration's plugin config, mapping files) still
 * run and `marina validate` reports every problem in one go. A refused value is dropped, so its
 * default applies; an integration whose identifier or type is unusable is left out. The
 * problems themselves are reported from the original validation; this only decides what the
 * later checks see.
 */
export interface SalvagedConfig {
  /** Every section but `integrations`, valid with defaults applied. */
  sections: Record<string, any>;
  /** Integrations by their position in the file; undefined where one could not be kept. */
  integrations: (Record<string, any> | undefined)[];
}

type Segment = string | number;

const MAX_ROUNDS = 6;

export function salvageHostConfig(raw: Record<string, unknown>, validate: ValidateFunction): SalvagedConfig | undefined {
  const sections = repair({ ...structuredClone(raw), integrations: [] }, validate);
  if (sections === undefined) return undefined;
  delete sections['integrations'];
  const list = Array.isArray(raw['integrations']) ? (raw['integrations'] as unknown[]) : [];
  const integrations = list.map((integration) => {
    const repaired = repair({ integrations: [structuredClone(integration)] }, validate);
    return repaired?.['integrations']?.[0] as Record<string, any> | undefined;
  });
  return { sections, integrations };
}

/**
 * Drops what the schema refuses until the value validates (ajv then fills in defaults).
 * Undefined when the root itself, or an integration's root, identifier or type, must go.
 */
function repair(value: Record<string, any>, validate: ValidateFunction): Record<string, any> | undefined {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (validate(value)) return value;
    const doomed = [...new Map((validate.errors ?? []).map(dropPath).map((segments) => [JSON.stringify(segments), segments])).values()];
    if (doomed.some((segments) => segments.length === 0 || (segments[0] === 'integrations' && (segments.length <= 2 || segments[2] === 'identifier' || segments[2] === 'type')))) {
      return undefined;
    }
    // Array items last to first, so removing one does not shift the next.
    doomed.sort((a, b) => compareDescending(a, b));
    for (const segments of doomed) remove(value, segments);
  }
  return validate(value) ? value : undefined;
}

/** What to remove for one error: the unknown key, the object missing a required key, or the refused value. */
function dropPath(error: ErrorObject): Segment[] {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(decode);
  if (error.keyword === 'additionalProperties') return [...segments, String(error.params['additionalProperty'])];
  return segments;
}

function decode(segment: string): Segment {
  const text = segment.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(text) ? Number(text) : text;
}

function compareDescending(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] === 'number' && typeof b[i] === 'number' ? (b[i] as number) - (a[i] as number) : String(a[i]).localeCompare(String(b[i]));
  }
  return b.length - a.length;
}

function remove(value: Record<string, any>, segments: Segment[]): void {
  let parent: any = value;
  for (const segment of segments.slice(0, -1)) {
    parent = parent?.[segment];
    if (parent === null || typeof parent !== 'object') return;
  }
  const last = segments.at(-1)!;
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else if (parent !== null && typeof parent === 'object') delete parent[last];
}
