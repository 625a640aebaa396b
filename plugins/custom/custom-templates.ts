import { CustomIntegrationError } from './custom-error.js';
import { compileJq, evaluateFirst, type JqExpression } from './custom-jq.js';

/**
 * `{{.jq_path}}` templates of `customAuthRequestTemplate`: every string under its `headers`,
 * `queryParams` and `body` may hold placeholders whose jq path is read from the authentication
 * response (`"Bearer {{.access_token}}"`, `"{{.data.token}}"`).
 */

const PLACEHOLDER = /\{\{\.([^}]+)\}\}/g;
const ANY_BRACES = /\{\{[^}]*\}\}/g;

/** A template value prepared once: strings with their compiled placeholders, other values as they are. */
export type CompiledTemplate =
  | { kind: 'string'; source: string; parts: (string | JqExpression)[] }
  | { kind: 'object'; entries: [string, CompiledTemplate][] }
  | { kind: 'array'; items: CompiledTemplate[] }
  | { kind: 'value'; value: unknown };

/**
 * Checks the placeholders of `value` and compiles their jq paths.
 * @throws CustomIntegrationError `CUSTOM_CONFIG_INVALID` naming the field, for `{{token}}` or `{{ .x }}`.
 */
export async function compileTemplate(value: unknown, where: string): Promise<CompiledTemplate> {
  if (typeof value === 'string') {
    const invalid = [...value.matchAll(ANY_BRACES)].map((m) => m[0]).filter((text) => !/^\{\{\.[^}]+\}\}$/.test(text));
    if (invalid.length > 0) {
      throw new CustomIntegrationError(
        'CUSTOM_CONFIG_INVALID',
        `${where}: invalid template ${invalid.map((t) => JSON.stringify(t)).join(', ')}; placeholders are written {{.path}}, such as {{.access_token}}`,
      );
    }
    const parts: (string | JqExpression)[] = [];
    let last = 0;
    for (const match of value.matchAll(PLACEHOLDER)) {
      if (match.index > last) parts.push(value.slice(last, match.index));
      parts.push(await compileJq(`.${match[1]!}`, `${where} placeholder ${match[0]}`, 'CUSTOM_CONFIG_INVALID'));
      last = match.index + match[0].length;
    }
    if (last < value.length) parts.push(value.slice(last));
    return { kind: 'string', source: value, parts };
  }
  if (Array.isArray(value)) return { kind: 'array', items: await Promise.all(value.map((item, i) => compileTemplate(item, `${where}[${i}]`))) };
  if (typeof value === 'object' && value !== null) {
    const entries: [string, CompiledTemplate][] = [];
    for (const [key, item] of Object.entries(value)) entries.push([key, await compileTemplate(item, `${where}.${key}`)]);
    return { kind: 'object', entries };
  }
  return { kind: 'value', value };
}

/**
 * Fills the placeholders from `response`. A placeholder whose path is missing (null) is an error
 * naming the keys the response has, as in Ocean, so a wrong path is found at once.
 * @throws CustomIntegrationError `CUSTOM_AUTH_FAILED`
 */
export async function renderTemplate(template: CompiledTemplate, response: unknown): Promise<unknown> {
  switch (template.kind) {
    case 'value':
      return template.value;
    case 'array':
      return Promise.all(template.items.map((item) => renderTemplate(item, response)));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, item] of template.entries) out[key] = await renderTemplate(item, response);
      return out;
    }
    case 'string': {
      let text = '';
      for (const part of template.parts) {
        if (typeof part === 'string') {
          text += part;
          continue;
        }
        let value: unknown;
        try {
          value = await evaluateFirst(part, response);
        } catch (error) {
          throw new CustomIntegrationError('CUSTOM_AUTH_FAILED', `${part.where}: ${(error as Error).message}`, { cause: error });
        }
        if (value === null) {
          const keys = typeof response === 'object' && response !== null && !Array.isArray(response) ? Object.keys(response).join(', ') : typeof response;
          throw new CustomIntegrationError('CUSTOM_AUTH_FAILED', `${part.where}: the authentication response has no value at ${part.source} (its keys: ${keys || 'none'})`);
        }
        text += typeof value === 'string' ? value : JSON.stringify(value);
      }
      return text;
    }
  }
}
