import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { MarinaError } from '../errors.js';

/** A blueprint definition as `.port/resources/blueprints.json` holds it. */
export type BlueprintDefinition = Record<string, unknown> & { identifier: string };

/** An integration's default Port resources (Ocean's `.port/resources`). */
export interface PortResources {
  blueprints: BlueprintDefinition[];
  /** The default mapping, pushed to Port when the integration has none. */
  portAppConfig?: Record<string, unknown>;
}

/**
 * Reads `blueprints.json` and `port-app-config.yml|yaml|json` from a resources folder. Missing
 * files mean "no defaults"; a file that is there but malformed is an error naming the file.
 */
export async function loadPortResources(directory: string): Promise<PortResources> {
  const resources: PortResources = { blueprints: [] };
  const blueprintsFile = join(directory, 'blueprints.json');
  const blueprintsText = await readOptional(blueprintsFile);
  if (blueprintsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(blueprintsText);
    } catch (error) {
      throw new MarinaError('PLUGIN_SPEC_INVALID', `${blueprintsFile} is not valid JSON: ${(error as Error).message}`, { cause: error, details: { file: blueprintsFile } });
    }
    if (!Array.isArray(parsed)) throw new MarinaError('PLUGIN_SPEC_INVALID', `${blueprintsFile} must hold a JSON array of blueprints`, { details: { file: blueprintsFile } });
    parsed.forEach((blueprint, index) => {
      if (typeof blueprint !== 'object' || blueprint === null || typeof (blueprint as { identifier?: unknown }).identifier !== 'string') {
        throw new MarinaError('PLUGIN_SPEC_INVALID', `${blueprintsFile}: item ${index} must be an object with a string "identifier"`, {
          details: { file: blueprintsFile, path: `[${index}].identifier` },
        });
      }
    });
    resources.blueprints = parsed as BlueprintDefinition[];
  }
  for (const name of ['port-app-config.yml', 'port-app-config.yaml', 'port-app-config.json']) {
    const file = join(directory, name);
    const text = await readOptional(file);
    if (text === undefined) continue;
    let parsed: unknown;
    try {
      parsed = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
      throw new MarinaError('PLUGIN_SPEC_INVALID', `${file}${line === undefined ? '' : `:${line}`} cannot be parsed: ${(error as Error).message}`, {
        cause: error,
        details: { file, ...(line === undefined ? {} : { line }) },
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new MarinaError('PLUGIN_SPEC_INVALID', `${file} must hold a mapping object`, { details: { file } });
    }
    resources.portAppConfig = parsed as Record<string, unknown>;
    break;
  }
  return resources;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
