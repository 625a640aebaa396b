import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runMapCommand } from '../../src/cli/map-command.js';

async function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runMapCommand(args, { stdin: Readable.from([stdin]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

const MAPPING = `resources:
  - kind: repo
    selector:
      query: .fork == false
    port:
      entity:
        mappings:
          identifier: .name
          title: .full_name
          blueprint: '"githubRepository"'
          properties:
            stars: .stars
            missing: .nope
  - kind: other
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"other"'
`;

let dir: string;
let mapping: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marina-map-cli-'));
  mapping = join(dir, 'mapping.yml');
  await writeFile(mapping, MAPPING);
});

test('maps a JSON array from a file to NDJSON entities in input order, report on stderr', async () => {
  const input = join(dir, 'records.json');
  await writeFile(input, JSON.stringify([
    { name: 'b', full_name: 'o/b', fork: false, stars: 2 },
    { name: 'x', fork: true },
    { name: 'a', full_name: 'o/a', fork: false, stars: 1 },
    { fork: false },
    'not a record',
  ]));
  const { code, stdout, stderr } = await run(['--mapping', mapping, '--kind', 'repo', '--input', input]);
  expect(code).toBe(0);
  expect(stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
    { identifier: 'b', title: 'o/b', blueprint: 'githubRepository', properties: { stars: 2, missing: null } },
    { identifier: 'a', title: 'o/a', blueprint: 'githubRepository', properties: { stars: 1, missing: null } },
  ]);
  expect(stderr).toContain('misconfigured properties.missing: ".nope"');
  expect(stderr).toContain('5 records, 4 items: 2 mapped, 1 filtered by selector, 1 skipped, 1 item errors');
  expect(stderr).toContain('record 4: record 4 is not an object (got string)');
});

test('reads NDJSON from stdin and maps every resource when no kind is given', async () => {
  const { code, stdout } = await run(['--mapping', mapping], '{"name":"n","id":"i","fork":false}\n\n{"id":"j","fork":true}\n');
  expect(code).toBe(0);
  expect(stdout.trim().split('\n').map((l) => JSON.parse(l) as { identifier: string }).map((e) => e.identifier)).toEqual(['n', 'i', 'j']);
});

test('an invalid jq expression exits non-zero naming resource index, field path and jq error', async () => {
  const bad = join(dir, 'bad.yml');
  await writeFile(bad, MAPPING.replace('stars: .stars', 'stars: .stars |'));
  const { code, stdout, stderr } = await run(['--mapping', bad], '[]');
  expect(code).toBe(1);
  expect(stdout).toBe('');
  // Line 12 of the file: where the expression is written.
  expect(stderr).toContain(`${bad}:12: resources[0] (kind repo): port.entity.mappings.properties.stars: ".stars |": jq: error: syntax error`);
});

test('schema problems and bad input are reported, never thrown', async () => {
  const invalid = join(dir, 'invalid.yml');
  await writeFile(invalid, 'resources:\n  - kind: k\n    port: {}\n');
  const schema = await run(['--mapping', invalid], '[]');
  expect(schema.code).toBe(1);
  expect(schema.stderr).toContain('resources[0].selector: is required');

  const badJson = await run(['--mapping', mapping], '{"a":1}\n{oops}\n');
  expect(badJson.code).toBe(2);
  expect(badJson.stderr).toContain('<stdin>:2: invalid JSON');

  const usage = await run(['--kind', 'repo']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('--mapping is required');

  const unknownKind = await run(['--mapping', mapping, '--kind', 'nope'], '[]');
  expect(unknownKind.code).toBe(2);
  expect(unknownKind.stderr).toContain('no resource has kind nope');
});
