import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { SourceDocument } from './yaml-document.js';
import { formatPath, type Problem } from './problems.js';

// ajv-formats ships CommonJS with `exports.default`; under NodeNext the default import is the
// module object, so take `.default` when it is there.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * An ajv instance configured the way every Marina schema is checked: all errors at once,
 * defaults applied, and the `sensitive` keyword (Ocean's flag for values masked in logs) known.
 * `coerceTypes` is for values that may come from environment variables, which are strings.
 */
export function createAjv(options: { coerceTypes?: boolean } = {}): Ajv {
  const ajvOptions: Options = {
    allErrors: true,
    useDefaults: true,
    coerceTypes: options.coerceTypes ?? false,
    strict: false,
    allowUnionTypes: true,
    // Keeps `parentSchema` on errors, which the unknown-key suggestion and URL message read.
    verbose: true,
  };
  const ajv = new Ajv(ajvOptions);
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'sensitive', schemaType: 'boolean' });
  return ajv;
}

/**
 * Turns ajv's errors into problems that name the document path and, when the document is
 * known, the line. `base` is the path of the validated value inside the document.
 */
export function ajvErrorsToProblems(
  errors: readonly ErrorObject[] | null | undefined,
  file: string,
  options: { document?: SourceDocument; base?: (string | number)[] } = {},
): Problem[] {
  const base = options.base ?? [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // `if/then` and `anyOf` add a summary error on top of the precise ones; skip the summary.
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const segments = [...base, ...pointerSegments(error.instancePath)];
    let path = segments;
    let message: string;
    let position = options.document?.locate(segments);
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(error.params['additionalProperty']);
        path = [...segments, key];
        message = `unknown key "${key}"${suggestion(key, error.parentSchema)}`;
        position = options.document?.locateKey(segments, key);
        break;
      }
      case 'required':
        message = `missing required key "${String(error.params['missingProperty'])}"`;
        break;
      case 'enum':
        message = `must be one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'pattern':
        message =
          (error.parentSchema as Record<string, unknown> | undefined)?.['x-ocean-type'] === 'url'
            ? 'must be an absolute URL with a host, such as https://example.com'
            : `must match the pattern ${String(error.params['pattern'])}`;
        break;
      case 'type':
        message = `must be ${article(String(error.params['type']))}`;
        break;
      default:
        message = error.message ?? `fails ${error.keyword}`;
    }
    const problem: Problem = { file, path: formatPath(path), message, ...(position ? { line: position.line, column: position.column } : {}) };
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function article(type: string): string {
  const names = type.split(',').map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`));
  return names.join(' or ');
}

/** "did you mean ...?" for an unknown key close to a known one (typos are the usual cause). */
function suggestion(key: string, parentSchema: unknown): string {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties) return '';
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of Object.keys(properties)) {
    const distance = editDistance(lower, candidate.toLowerCase().replace(/[-_]/g, ''));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined || bestDistance > Math.max(key.length >= 4 ? 2 : 1, Math.floor(key.length / 3))) {
    return `; allowed keys: ${Object.keys(properties).join(', ')}`;
  }
  return `; did you mean "${best}"?`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
