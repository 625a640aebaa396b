import type { RawRecord } from '../../src/sdk/index.js';
import { isObject } from './custom-dot-path.js';
import { CustomIntegrationError } from './custom-error.js';
import { evaluateAll, type JqExpression } from './custom-jq.js';
import { describeUrl, type ApiResponse } from './custom-request.js';

/**
 * The records of one response, as Ocean Custom reads them with `data_path`:
 * - no `data_path`: a JSON array is the records; a JSON object is one record (Ocean warns);
 * - a `data_path` giving an array: its elements; an object: one record; null: none;
 * - a `data_path` with several outputs (`.items[]`): every output (Ocean keeps the first only).
 * Every record must be a JSON object. `inject` adds fields to each (the path parameters' values,
 * as `__<name>`).
 * @throws CustomIntegrationError `CUSTOM_JQ_ERROR` (the expression failed) or
 *   `CUSTOM_RESPONSE_INVALID` (what it gave is not records).
 */
export async function recordsOf(
  response: ApiResponse,
  dataPath: JqExpression | undefined,
  where: string,
  inject: Record<string, string> = {},
  onObjectWithoutDataPath?: () => void,
): Promise<RawRecord[]> {
  let found: unknown[];
  if (dataPath === undefined) {
    if (Array.isArray(response.body)) found = response.body;
    else if (response.body === null) found = [];
    else {
      onObjectWithoutDataPath?.();
      found = [response.body];
    }
  } else {
    const outputs = await evaluateAll(dataPath, response.body);
    found = outputs.length === 1 ? spread(outputs[0]) : outputs.flatMap(spread);
  }
  const extras = Object.entries(inject);
  for (const record of found) {
    if (!isObject(record)) {
      const path = dataPath?.source ?? '(no data_path)';
      throw new CustomIntegrationError(
        'CUSTOM_RESPONSE_INVALID',
        `${where}: data_path ${path} of ${describeUrl(response.url)} gives ${Array.isArray(record) ? 'an array' : JSON.stringify(record)?.slice(0, 60)} where records (JSON objects) are expected; point data_path at the array of records`,
      );
    }
    for (const [key, value] of extras) record[`__${key}`] = value;
  }
  return found as RawRecord[];
}

function spread(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
