/**
 * The keys of a JSON object text's top level, in order and with repeats: `JSON.parse` keeps only
 * the last of two equal keys, which hides a log line that carries one twice.
 */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let index = 0; index < json.length; index++) {
    const char = json[index];
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === '"') {
      const start = index;
      for (index++; json[index] !== '"'; index++) if (json[index] === '\\') index++;
      let next = index + 1;
      while (json[next] === ' ') next++;
      if (depth === 1 && json[next] === ':') keys.push(JSON.parse(json.slice(start, index + 1)) as string);
    }
  }
  return keys;
}

/** Keys that occur more than once at the top level of `json`. */
export function duplicateKeys(json: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const key of topLevelKeys(json)) (seen.has(key) ? repeated : seen).add(key);
  return [...repeated];
}
