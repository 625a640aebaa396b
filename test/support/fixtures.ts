import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the test data copied into the repository lives (see test/fixtures/README.md). Resolved
 * from this file rather than the working directory, so a test finds it from any cwd.
 */
const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** Data files of the 49 Ocean integrations (spec, blueprints, mappings, samples, examples). */
export const OCEAN_CORPUS_DIR = resolve(fixturesDir, 'ocean-corpus');

/** Port's published OpenAPI 3.1 document. */
export const PORT_OPENAPI_PATH = resolve(fixturesDir, 'port-openapi.json');
