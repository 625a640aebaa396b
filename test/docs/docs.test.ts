import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The documentation a clone ships must stand on its own: every relative link resolves to a file
 * of the repository, no page sends the reader to a path outside it (the workshop's `../shared`
 * folder is not part of a clone), and the architecture page names every room of `src/`.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Upstream data copied unchanged (its pages link to their own repository), not our documentation.
const UPSTREAM = [path.join(root, 'test', 'fixtures', 'ocean-corpus')];

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!UPSTREAM.includes(full)) out.push(...markdownFiles(full));
    }
    else if (entry.name.endsWith('.md')) out.push(full);
  }
  return out;
}

const pages = markdownFiles(root);

test('the pages are found', () => {
  expect(pages.map((page) => path.relative(root, page))).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'src/port/README.md', 'test/fixtures/README.md']));
});

test.each(pages.map((page) => [path.relative(root, page), page]))('%s: relative links resolve inside the repository', (_name, page) => {
  const text = readFileSync(page, 'utf8');
  const broken: string[] = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1]!.split('#')[0]!;
    if (target === '' || /^[a-z]+:/i.test(target)) continue;
    const resolved = path.resolve(path.dirname(page), target);
    if (!resolved.startsWith(root + path.sep) || !existsSync(resolved)) broken.push(match[1]!);
  }
  expect(broken).toEqual([]);
  // Also paths quoted as code: a reader of a clone has no `../shared` folder.
  expect(text).not.toMatch(/\.\.\/shared\//);
});

test('the README points at the architecture page', () => {
  expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('](docs/architecture.md)');
});

test('the architecture page names every room of src/ and every file at its top', () => {
  const page = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const src = path.join(root, 'src');
  const missing = readdirSync(src)
    .filter((name) => !name.endsWith('.test.ts'))
    .map((name) => (statSync(path.join(src, name)).isDirectory() ? `\`${name}/\`` : `\`${name}\``))
    .filter((name) => !page.includes(name));
  expect(missing).toEqual([]);
});
