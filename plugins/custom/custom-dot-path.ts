/**
 * The dot-notation lookups of the pagination settings (`cursorPath: meta.after_cursor`,
 * `hasMorePath: paging.next`), which are not jq. A key that itself contains dots is found when
 * the object has it whole (`@odata.nextLink`); a numeric segment indexes an array.
 */
export function readDotPath(data: unknown, path: string): unknown {
  if (isObject(data) && Object.prototype.hasOwnProperty.call(data, path)) return data[path];
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (isObject(value)) value = Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
    else if (Array.isArray(value) && /^\d+$/.test(key)) value = value[Number(key)];
    else return undefined;
  }
  return value;
}

/** Python's truthiness, which Ocean applies to has-more flags and cursors: `0`, `""`, `[]`, `{}`, null are false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
