/**
 * `${VAR}` and `${VAR:-default}` substitution in string values of a parsed document, the way
 * docker-compose does it: `$${` escapes a literal `${`. An unset variable without a default is
 * reported with the variable's name and the path of the value that uses it; an empty variable
 * counts as set (`:-` also replaces empty values, as in the shell).
 */
export interface MissingVariable {
  name: string;
  path: (string | number)[];
}

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  missing: MissingVariable[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, missing, path);
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, missing, [...path, index]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolateEnv(item, env, missing, [...path, key]);
    return out;
  }
  return value;
}

function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  missing: MissingVariable[],
  path: (string | number)[],
): string {
  if (!text.includes('$')) return text;
  return text.replace(PLACEHOLDER, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const found = env[name as string];
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
    if (found === undefined) {
      missing.push({ name: name as string, path });
      return '';
    }
    return found;
  });
}
