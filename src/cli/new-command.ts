import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export const NEW_USAGE = 'Usage: marina new NAME [--dir PLUGINS_DIR]   (NAME is kebab-case, e.g. acme-cloud)';

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * `marina new NAME`: scaffolds a plugin folder in Ocean's layout (index.ts, .port/spec.yaml,
 * .port/resources/{blueprints.json, port-app-config.yml}) that loads and validates as is, so an
 * author starts from something that runs and edits from there.
 */
export async function runNewCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { dir: { type: 'string', short: 'd' } }, allowPositionals: true, strict: true });
  } catch (error) {
    writeLine(io.stderr, `${(error as Error).message}\n${NEW_USAGE}`);
    return EXIT.USAGE;
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined || extra.length > 0 || !NAME.test(name)) {
    writeLine(io.stderr, `${name === undefined ? 'Missing NAME' : `"${[name, ...extra].join(' ')}" is not a kebab-case plugin name`}.\n${NEW_USAGE}`);
    return EXIT.USAGE;
  }
  const pluginsDir = path.resolve(io.cwd, parsed.values.dir ?? path.join(io.packageRoot, 'plugins'));
  const dir = path.join(pluginsDir, name);
  if (existsSync(dir)) {
    writeLine(io.stderr, `${dir} already exists; choose another name or remove it first.`);
    return EXIT.FAILURE;
  }
  const sdk = sdkSpecifier(dir, io.packageRoot);
  const files: Record<string, string> = {
    'index.ts': indexTemplate(name, sdk),
    '.port/spec.yaml': specTemplate(name),
    '.port/resources/blueprints.json': `${JSON.stringify(blueprintsTemplate(name), null, 2)}\n`,
    '.port/resources/port-app-config.yml': mappingTemplate(name),
  };
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content, { flag: 'wx' });
  }
  writeLine(io.stdout, `Created plugin "${name}" in ${dir}:`);
  for (const file of Object.keys(files)) writeLine(io.stdout, `  ${file}`);
  writeLine(io.stdout, `Next: add an integration with \`type: ${name}\` to your host config and run \`marina validate\`.`);
  return EXIT.OK;
}

/**
 * The SDK as the new plugin imports it: this checkout's sources, by relative path, which tsx
 * loads with no build step wherever the plugin folder is.
 */
function sdkSpecifier(dir: string, packageRoot: string): string {
  const relative = path.relative(dir, path.join(packageRoot, 'src', 'sdk', 'index.js')).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

function indexTemplate(name: string, sdk: string): string {
  const kind = `${name}-item`;
  return `import { defineIntegration, type RawRecord, type ResyncRequest } from '${sdk}';

/** Mirrors \`configurations\` in .port/spec.yaml. */
interface ${pascal(name)}Config {
  baseUrl: string;
  token: string;
}

export default defineIntegration<${pascal(name)}Config>({
  type: '${name}',
  async setup({ config, http, logger }) {
    // One client for the third-party API: retries, timeouts, proxy and abort come from \`http\`.
    const api = http.extend({ prefixUrl: config.baseUrl, headers: { authorization: \`Bearer \${config.token}\` } });
    logger.info('${name} integration ready');
    return {
      resync: {
        // One handler per kind of the mapping. Yield one page at a time; stop when \`signal\` fires.
        async *'${kind}'({ signal }: ResyncRequest) {
          for (let page = 1; ; page++) {
            const items = await api.get('items', { searchParams: { page }, signal }).json<RawRecord[]>();
            if (items.length === 0) return;
            yield items;
          }
        },
      },
    };
  },
});
`;
}

function specTemplate(name: string): string {
  return `title: ${name}
description: ${name} integration for Marina
version: 0.1.0
features:
  - type: exporter
    section: Other
    resources:
      - kind: ${name}-item
configurations:
  - name: baseUrl
    type: url
    required: true
    description: Base URL of the ${name} API, such as https://api.example.com
  - name: token
    type: string
    required: true
    sensitive: true
    description: API token
`;
}

function blueprintsTemplate(name: string): unknown[] {
  return [
    {
      identifier: `${name}-item`,
      title: `${name} item`,
      icon: 'Blueprint',
      schema: { properties: { url: { type: 'string', format: 'url', title: 'URL' } }, required: [] },
      relations: {},
    },
  ];
}

function mappingTemplate(name: string): string {
  return `resources:
  - kind: ${name}-item
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id | tostring
          title: .name
          blueprint: '"${name}-item"'
          properties:
            url: .url
`;
}
