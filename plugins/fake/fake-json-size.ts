/**
 * The length of `JSON.stringify(value)` for values whose strings need no escaping (the fake
 * organization generates only such strings). Walking the record is several times cheaper than
 * serialising it, which matters when padding a million records to a size.
 */
export function jsonLength(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let size = 2 + Math.max(0, value.length - 1);
        for (const item of value) size += item === undefined ? 4 : jsonLength(item);
        return size;
      }
      let size = 2;
      let fields = 0;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function') continue;
        size += key.length + 3 + jsonLength(item);
        fields++;
      }
      return size + Math.max(0, fields - 1);
    }
    default:
      return 0;
  }
}
