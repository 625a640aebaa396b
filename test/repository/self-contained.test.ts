import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPathEscapeFinder, type PathEscape } from './path-escapes.js';

/**
 * A clone must run its tests, benchmarks and daemon with nothing beside it: no source, test,
 * benchmark, plugin, script or bin file may point outside the repository (only `.ci/run`, which
 * provisions CI's machine, is not checked). Test data lives in test/fixtures/.
 */
const thisFile = fileURLToPath(import.meta.url);
const repoRoot = path.resolve(path.dirname(thisFile), '../..');

const CHECKED_FOLDERS = ['src', 'test', 'bench', 'plugins', 'bin', 'scripts', 'config'];
const CHECKED_ROOT_FILES = /^(?:jest|eslint|vitest)\.config\.[cm]?[jt]s$/;
const CODE_FILE = /\.[cm]?[jt]s$/;
const NOT_CHECKED = new Set(['node_modules', 'dist', 'coverage', '.git', '.marina']);
// Upstream data (copied unchanged), not code; and this file, whose examples are the very
// violations the finder must catch.
const DATA_FOLDERS = [path.join(repoRoot, 'test', 'fixtures', 'ocean-corpus')];

function codeFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_CHECKED.has(entry.name) || DATA_FOLDERS.includes(full) ? [] : codeFiles(full);
    const inBin = path.basename(dir) === 'bin' && path.dirname(dir) === repoRoot;
    return entry.isFile() && (CODE_FILE.test(entry.name) || inBin) && full !== thisFile ? [full] : [];
  });
}

function describeEscapes(escapes: PathEscape[], root: string): string {
  return escapes
    .map((escape) => `${path.relative(root, escape.file)}:${escape.line}: ${escape.text}${escape.target ? ` -> ${escape.target}` : ''}`)
    .join('\n');
}

describe('the repository is self-contained', () => {
  it('no source, test, benchmark, plugin, script, config or bin file points outside the repository', () => {
    const files = [
      ...CHECKED_FOLDERS.flatMap((folder) => codeFiles(path.join(repoRoot, folder))),
      ...readdirSync(repoRoot).filter((name) => CHECKED_ROOT_FILES.test(name)).map((name) => path.join(repoRoot, name)),
    ];
    expect(files.length).toBeGreaterThan(100); // the walk really found the code
    expect(files).toContain(path.join(repoRoot, 'bin', 'marina'));

    const find = createPathEscapeFinder(repoRoot);
    const escapes = files.flatMap((file) => find(file));
    expect(describeEscapes(escapes, repoRoot)).toBe('');
  });
});

describe('the path escape finder', () => {
  let workshop: string;
  let root: string;

  beforeEach(() => {
    workshop = mkdtempSync(path.join(tmpdir(), 'marina-escapes-'));
    root = path.join(workshop, 'repo');
    mkdirSync(path.join(root, 'test', 'support'), { recursive: true });
  });
  afterEach(() => rmSync(workshop, { recursive: true, force: true }));

  function findIn(relativeFile: string, text: string, others: Record<string, string> = {}): PathEscape[] {
    for (const [name, content] of Object.entries({ ...others, [relativeFile]: text })) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), content);
    }
    return createPathEscapeFinder(root)(path.join(root, relativeFile));
  }

  it.each([
    ['a path from the working directory', `import { resolve } from 'node:path';\nconst corpus = resolve(process.cwd(), '../shared/ocean-corpus');\n`, 2],
    ['a path from the file, climbing past the root', `import { dirname, resolve } from 'node:path';\nimport { fileURLToPath } from 'node:url';\nconst here = dirname(fileURLToPath(import.meta.url));\nconst x = resolve(here, '../../../elsewhere/data.json');\n`, 4],
    ['separate `..` segments from a root constant', `import path from 'node:path';\nconst repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');\nconst d = path.resolve(repoRoot, '..', 'shared', 'x');\n`, 3],
    ['a constant imported from another file', `import path from 'node:path';\nimport { repoRoot } from './support/roots.js';\nconst d = path.join(repoRoot, '..', 'data');\n`, 3],
    ['a URL relative to the module', `const d = new URL('../../../data/', import.meta.url).pathname;\n`, 1],
    ['a template literal', `import { repoRoot } from './support/roots.js';\nconst d = \`\${repoRoot}/../other/file.json\`;\n`, 2],
    ['an absolute workshop path', `const d = '/work/shared/reference/port-openapi.json';\n`, 1],
    ['a home folder', `const d = "/home/someone/corpus";\n`, 1],
    ['an import from outside', `import data from '../../../shared/data.js';\n`, 1],
    ['a dynamic import from outside', `const m = await import('../../../elsewhere/module.js');\n`, 1],
    ['a dirname above the root', `import path from 'node:path';\nimport { repoRoot } from './support/roots.js';\nconst parent = path.dirname(repoRoot);\n`, 3],
  ])('finds %s', (_what, text, line) => {
    const escapes = findIn('test/a.test.ts', text, {
      'test/support/roots.ts': `import path from 'node:path';\nimport { fileURLToPath } from 'node:url';\nexport const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');\n`,
    });
    expect(escapes.map((escape) => escape.line)).toEqual([line]);
  });

  it('accepts paths inside the repository, unknown bases, routes and URLs', () => {
    const escapes = findIn(
      'test/b.test.ts',
      [
        `import path from 'node:path';`,
        `import { tmpdir } from 'node:os';`,
        `import { fileURLToPath } from 'node:url';`,
        `const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');`,
        `const fixtures = path.join(repoRoot, 'test', 'fixtures', 'plugins');`,
        `const sibling = path.join(fixtures, '..');`,
        `const scratch = path.join(tmpdir(), '..', 'x');`,
        `const fromUser = (dir: string) => path.resolve(dir, '..', '..');`,
        `const route = '/v1/blueprints/service/entities';`,
        `const url = new URL('/v1/organization', 'https://api.getport.io').href;`,
        `const done = new Promise((resolve) => resolve('..'));`,
        `const notPath = { join: (...parts: string[]) => parts }.join('..', '..');`,
        `import { thing } from './support/thing.js';`,
      ].join('\n'),
      { 'test/support/thing.ts': 'export const thing = 1;\n' },
    );
    expect(describeEscapes(escapes, root)).toBe('');
  });
});
