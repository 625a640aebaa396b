import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { planResource, type FieldSpec } from '../../src/mapping/compile-resource.js';
import { parsePortAppConfig } from '../../src/mapping/port-app-config.js';
import type { PortAppConfig } from '../../src/mapping/types.js';
import { OCEAN_CORPUS_DIR } from '../support/fixtures.js';

/** Test support: the Ocean corpus copied into the repository (`test/fixtures/ocean-corpus`). */
export const CORPUS_DIR = OCEAN_CORPUS_DIR;

export interface CorpusIntegration {
  name: string;
  mappingFile: string;
  config: PortAppConfig;
  /** Every jq expression of every resource, deduplicated by program text. */
  specs: FieldSpec[];
  /** Sample records (objects) found under samples/, capped per integration to keep tests fast. */
  records: Record<string, unknown>[];
}

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out = out.concat(walk(path));
    else if (entry.endsWith('.json')) out.push(path);
  }
  return out.sort();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function corpusIntegrations(maxRecords = 120): CorpusIntegration[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => statSync(join(CORPUS_DIR, name)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(CORPUS_DIR, name);
      const file = readdirSync(dir).find((f) => /^port-app-config\.ya?ml$/.test(f));
      if (file === undefined) throw new Error(`${name}: no port-app-config`);
      const mappingFile = join(dir, file);
      const config = parsePortAppConfig(readFileSync(mappingFile, 'utf8'), mappingFile);
      const seen = new Set<string>();
      const specs: FieldSpec[] = [];
      for (const resource of config.resources) {
        const plan = planResource(resource);
        const all = [plan.selector, ...plan.fields];
        if (plan.itemsToParse) all.push(plan.itemsToParse.items, ...(plan.itemsToParse.strip ? [plan.itemsToParse.strip] : []));
        for (const s of all) {
          if (!seen.has(s.program)) {
            seen.add(s.program);
            specs.push(s);
          }
        }
      }
      const records: Record<string, unknown>[] = [];
      let samples: string[] = [];
      try {
        samples = walk(join(dir, 'samples'));
      } catch {
        samples = [];
      }
      for (const path of samples) {
        if (records.length >= maxRecords) break;
        let value: unknown;
        try {
          value = JSON.parse(readFileSync(path, 'utf8'));
        } catch {
          continue;
        }
        const candidates = Array.isArray(value) ? value : [value];
        for (const c of candidates) if (isRecord(c) && records.length < maxRecords) records.push(c);
      }
      return { name, mappingFile, config, specs, records };
    });
}
