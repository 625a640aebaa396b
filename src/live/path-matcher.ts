/**
 * Matches request paths against processor paths with `:param` segments. Literal segments
 * compare exactly; a `:name` segment matches any one non-empty segment and captures it
 * (URL-decoded). Trailing slashes are ignored.
 */
export interface PathPattern {
  readonly path: string;
  match(requestPath: string): Record<string, string> | undefined;
}

const segmentsOf = (value: string): string[] => value.split('/').filter((segment) => segment !== '');

export function compilePathPattern(pattern: string): PathPattern {
  const segments = segmentsOf(pattern);
  return {
    path: pattern,
    match(requestPath) {
      const parts = segmentsOf(requestPath);
      if (parts.length !== segments.length) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const expected = segments[i]!;
        const actual = parts[i]!;
        if (expected.startsWith(':')) {
          try {
            params[expected.slice(1)] = decodeURIComponent(actual);
          } catch {
            return undefined;
          }
        } else if (expected !== actual) {
          return undefined;
        }
      }
      return params;
    },
  };
}
