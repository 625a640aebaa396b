/**
 * Masks secrets in text. Known secret values (sensitive config fields, Port credentials) are
 * registered as integrations load; they are replaced wherever they appear, including inside
 * error messages and stack traces, because a secret often travels inside a URL or an exception
 * from a third-party library. Values of secret-named keys ({@link SECRET_KEYS}) and
 * token-shaped strings (Bearer/Basic credentials, credentials in URLs, secret-looking query
 * parameters such as `?api_key=`) are masked even when nobody registered them.
 */
export interface SecretRedactor {
  /** Registers a secret value. Values shorter than {@link MIN_SECRET_LENGTH} are ignored. */
  add(value: unknown): void;
  redact(text: string): string;
}

export const REDACTED = '[REDACTED]';

/** Shorter values would mask ordinary words and numbers everywhere in the logs. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Keys whose string values are secrets whatever they contain, at any depth of a JSON log line
 * (`"authorization":"..."`, `"clientSecret":"..."`). Matching the serialised line is much
 * cheaper than pino's wildcard redaction paths (measured by `npm run bench:logging`).
 */
export const SECRET_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'clientSecret',
  'api_key',
  'apiKey',
  'x-api-key',
  'private_key',
  'privateKey',
];

/**
 * Query parameters whose values are secrets: any name containing one of these words (`token`
 * matches `access_token` and `X-Amz-Security-Token`)...
 */
export const SECRET_PARAM_WORDS = ['token', 'secret', 'password', 'passwd', 'apikey', 'api_key', 'api-key', 'auth', 'signature', 'credential', 'session', 'private'];
/** ...and these short names, used by APIs that take a key in the URL (Trello's `key`, Azure's `sig`). */
export const SECRET_PARAM_NAMES = ['key', 'sig', 'pwd', 'pass', 'jwt', 'code'];

// Backslashes end names and values (in a JSON log line `\"` after a URL is an escaped quote);
// so does `)` for values (a URL quoted in parentheses).
const PARAM_NAME = `[^=&?#\\s"'<>\\\\]*`;
// `[?&;]name=value`; anchored on the separator, which keeps the scan cheap on lines without URLs.
const SECRET_PARAM = new RegExp(
  `([?&;](?:${PARAM_NAME}(?:${SECRET_PARAM_WORDS.map(escapeRegExp).join('|')})${PARAM_NAME}|(?:${SECRET_PARAM_NAMES.join('|')}))=)[^&#\\s"'<>)\\\\]+`,
  'gi',
);

/**
 * `text` with the values of secret-looking query parameters masked (`?api_key=[REDACTED]`),
 * wherever a URL appears in it: error messages of HTTP clients quote the URL they called.
 */
export function maskUrlSecrets(text: string): string {
  return text.includes('=') ? text.replace(SECRET_PARAM, `$1${REDACTED}`) : text;
}

const PATTERNS: [RegExp, string][] = [
  [new RegExp(`"(${SECRET_KEYS.join('|')})"(\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `"$1"$2"${REDACTED}"`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // Anchored on "://" rather than on the scheme: scanning for a scheme at every word costs 2x.
  [/:\/\/[^\s/:@"']+:[^\s/@"']+@/g, `://${REDACTED}@`],
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
      return maskUrlSecrets(out);
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
