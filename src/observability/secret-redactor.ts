/**
 * Masks secrets in text. Known secret values (sensitive config fields, Port credentials) are
 * registered as integrations load; they are replaced wherever they appear, including inside
 * error messages and stack traces, because a secret often travels inside a URL or an exception
 * from a third-party library. Token-shaped strings (Bearer/Basic credentials, credentials in
 * URLs) are masked even when nobody registered them.
 */
export interface SecretRedactor {
  /** Registers a secret value. Values shorter than {@link MIN_SECRET_LENGTH} are ignored. */
  add(value: unknown): void;
  redact(text: string): string;
}

export const REDACTED = '[REDACTED]';

/** Shorter values would mask ordinary words and numbers everywhere in the logs. */
export const MIN_SECRET_LENGTH = 4;

const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/:@"']+:[^\s/@"']+@/gi, `$1${REDACTED}@`],
];

export function createSecretRedactor(): SecretRedactor {
  const secrets = new Set<string>();
  let matcher: RegExp | undefined;
  return {
    add(value) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
      // The JSON-escaped form is what appears in a pino line when the secret has quotes or
      // backslashes in it.
      for (const form of [value, JSON.stringify(value).slice(1, -1)]) {
        if (!secrets.has(form)) {
          secrets.add(form);
          matcher = undefined;
        }
      }
    },
    redact(text) {
      let out = text;
      if (secrets.size > 0) {
        // Longest first, so a secret that contains another is masked whole.
        matcher ??= new RegExp([...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
        out = out.replace(matcher, REDACTED);
      }
      for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
      return out;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
