import { createMappingEngine, parsePortAppConfig, type MappingEngine, type ResourceConfig } from '../../src/mapping/index.js';

/**
 * Ocean's entity-processor behaviours (ocean-behavior.md §4.8), run through both engines: the
 * default (fast path + jq-wasm) and jq-wasm alone must give the same, Ocean's, results.
 */

function resource(yaml: string): ResourceConfig {
  const config = parsePortAppConfig(`resources:\n${yaml}`, 'test.yml');
  return config.resources[0]!;
}

function simple(mappings: string, selector = 'true', extraPort = ''): ResourceConfig {
  const indent = (text: string, n: number): string => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
  return resource(`  - kind: k
    selector:
      query: ${JSON.stringify(selector)}
    port:
${extraPort === '' ? '' : indent(extraPort, 6) + '\n'}      entity:
        mappings:
${indent(mappings, 10)}`);
}

const engines: [string, MappingEngine][] = [];

beforeAll(() => {
  engines.push(['auto', createMappingEngine({ workers: 1 })], ['jq-wasm', createMappingEngine({ workers: 1, engine: 'jq-wasm' })]);
});

afterAll(async () => {
  await Promise.all(engines.map(([, e]) => e.close()));
});

describe.each(['auto', 'jq-wasm'])('engine %s', (name) => {
  const engine = (): MappingEngine => engines.find(([n]) => n === name)![1];

  test('maps fields, rewrites single quotes and keeps only the keys the mapping sets', async () => {
    const r = simple(`identifier: .organization + '/' + .repository
blueprint: '"repo"'
properties:
  left: .organization + '/'
  right: "'/' + .organization"
  shalom: '"shalom"'`);
    const result = await engine().mapPage(r, [{ repository: 'ocean', organization: 'port' }]);
    expect(result.passed).toEqual([
      { identifier: 'port/ocean', blueprint: 'repo', properties: { left: 'port/', right: '/port', shalom: 'shalom' } },
    ]);
    expect(Object.keys(result.passed[0]!)).toEqual(['identifier', 'blueprint', 'properties']);
  });

  test('first output wins; no output and errors give null and a misconfiguration without losing the item', async () => {
    const r = simple(`identifier: .id
blueprint: '"b"'
properties:
  firstMatch: .parameters[] | select(.name == "X") | .value
  none: .parameters[] | select(.name == "nope") | .value
  list: .parameters
  broken: .foo.
  indexString: .id.x
  empty: .emptyString`);
    const record = {
      id: 'i1',
      emptyString: '',
      parameters: [
        { name: 'X', value: 'parameter_value' },
        { name: 'X', value: 'another_value' },
      ],
    };
    const result = await engine().mapPage(r, [record]);
    expect(result.passed[0]!.properties).toEqual({
      firstMatch: 'parameter_value',
      none: null,
      list: record.parameters,
      broken: null,
      indexString: null,
      empty: '',
    });
    expect(result.misconfigurations).toEqual({
      'properties.none': '.parameters[] | select(.name == "nope") | .value',
      'properties.broken': '.foo.',
      'properties.indexString': '.id.x',
    });
  });

  test('IN filters subviews like Ocean test 8', async () => {
    const r = simple(`identifier: '"x"'
blueprint: '"b"'
properties:
  keys: .subViews | map(select((.qualifier | IN("VW", "SVW"))) | .key)`);
    const record = {
      subViews: [
        { key: 'GetPort_SelfService_Second', qualifier: 'VW' },
        { key: 'Other', qualifier: 'APP' },
        { key: 'Python', qualifier: 'SVW' },
      ],
    };
    const result = await engine().mapPage(r, [record]);
    expect(result.passed[0]!.properties).toEqual({ keys: ['GetPort_SelfService_Second', 'Python'] });
  });

  test('misconfiguration keys are exactly the null fields across the batch (Ocean test 16)', async () => {
    const r = simple(`title: .foo
identifier: .ark
blueprint: .baz
properties:
  description: .bazbar
  url: .foobar
  defaultBranch: .bar.baz`);
    const result = await engine().mapPage(r, [
      { foo: 'bar', baz: 'bp', bar: { baz: 'main' } },
      { foo: 'bar', baz: 'bp', bar: {} },
    ]);
    expect(result.misconfigurations).toEqual({
      identifier: '.ark',
      'properties.description': '.bazbar',
      'properties.url': '.foobar',
      'properties.defaultBranch': '.bar.baz',
    });
    expect(result.counts).toMatchObject({ mapped: 0, skipped: 2 });
  });

  test('counts the items that left each field null, with an example identifier and blueprint', async () => {
    const r = simple(`identifier: .id
blueprint: .kind
properties:
  url: .url
  owner: .owner.name`);
    const result = await engine().mapPage(r, [
      { id: null, kind: 'svc', owner: { name: 'ann' } },
      { id: 'b', kind: 'svc', owner: {} },
      { id: 'c', kind: 'svc', url: 'https://c', owner: {} },
      { id: 'd', kind: 'svc' },
    ]);
    expect(result.misconfiguredFields).toEqual({
      identifier: { expression: '.id', items: 1, exampleBlueprint: 'svc' },
      // The first item has no identifier, so the example is the next one that has.
      'properties.url': { expression: '.url', items: 3, exampleIdentifier: 'b', exampleBlueprint: 'svc' },
      'properties.owner': { expression: '.owner.name', items: 3, exampleIdentifier: 'b', exampleBlueprint: 'svc' },
    });
    expect(Object.keys(result.misconfigurations)).toEqual(Object.keys(result.misconfiguredFields));
  });

  test('an item counts once per field even when the fast path hands it to jq-wasm half-way', async () => {
    // `split("")` makes the fast path bail out after `.missing` was already found null.
    const r = simple(`identifier: .id
blueprint: '"b"'
properties:
  a: .missing
  b: .s | split("")`);
    const result = await engine().mapPage(r, [{ id: 'x', s: 'ab' }, { id: 'y', s: 'cd' }]);
    expect(result.passed.map((entity) => entity.properties)).toEqual([
      { a: null, b: ['a', 'b'] },
      { a: null, b: ['c', 'd'] },
    ]);
    expect(result.misconfiguredFields).toEqual({ 'properties.a': { expression: '.missing', items: 2, exampleIdentifier: 'x', exampleBlueprint: 'b' } });
  });

  test('empty strings skip the item without a misconfiguration; nulls are misconfigured (Ocean test 17)', async () => {
    const r = simple(`identifier: .foo
blueprint: .bar`);
    const a = await engine().mapPage(r, [{ foo: '', bar: 'bluePrintMapped' }, { foo: 'identifierMapped', bar: '' }]);
    expect(a.misconfigurations).toEqual({});
    expect(a.counts.skipped).toBe(2);
    const b = await engine().mapPage(r, [{ foo: 'x', bar: null }, { foo: null, bar: '' }]);
    expect(b.misconfigurations).toEqual({ identifier: '.foo', blueprint: '.bar' });
    expect(b.passed).toEqual([]);
  });

  test('identifier and blueprint must be truthy by Python rules', async () => {
    const r = simple(`identifier: .id
blueprint: '"b"'`);
    const result = await engine().mapPage(r, [{ id: 0 }, { id: [] }, { id: {} }, { id: false }, { id: 1 }, { id: [0] }, { id: { a: 1 } }]);
    expect(result.passed.map((e) => e.identifier)).toEqual([1, [0], { a: 1 }]);
    expect(result.counts.skipped).toBe(4);
  });

  test('selector false filters; parseAll maps those items into failed', async () => {
    const r = simple(`identifier: .id
blueprint: '"b"'`, '.status == "active"');
    const records = [{ id: 'a', status: 'active' }, { id: 'b', status: 'gone' }];
    const normal = await engine().mapPage(r, records);
    expect(normal.passed.map((e) => e.identifier)).toEqual(['a']);
    expect(normal.failed).toEqual([]);
    expect(normal.counts).toMatchObject({ mapped: 1, filtered: 1, skipped: 0, itemErrors: 0 });
    const all = await engine().mapPage(r, records, { parseAll: true });
    expect(all.passed.map((e) => e.identifier)).toEqual(['a']);
    expect(all.failed.map((e) => e.identifier)).toEqual(['b']);
  });

  test('a selector that is not boolean, errors or gives nothing is an item error', async () => {
    const r = simple(`identifier: .id
blueprint: '"b"'`, '.foo');
    const result = await engine().mapPage(r, [{ id: 'a', foo: 'bar' }, { id: 'b' }, { id: 'c', foo: true }, 'text', [1]]);
    expect(result.passed.map((e) => e.identifier)).toEqual(['c']);
    expect(result.itemErrors.map((e) => e.index)).toEqual([0, 1, 3, 4]);
    expect(result.itemErrors[0]!.message).toContain("Expected boolean value for pattern '.foo'");
    expect(result.itemErrors[2]!.message).toContain('not an object');
    const invalid = await engine().mapPage(simple(`identifier: .id
blueprint: '"b"'`, '.foo.'), [{ id: 'a' }]);
    expect(invalid.counts.itemErrors).toBe(1);
  });

  test('search-query identifiers, teams and relations are evaluated leaf by leaf', async () => {
    const r = simple(`identifier:
  combinator: '"and"'
  rules:
    - property: '"$identifier"'
      operator: '"="'
      value: .id
blueprint: '"b"'
team:
  combinator: '"or"'
  rules:
    - combinator: '"and"'
      rules:
        - property: '"handle"'
          operator: '"in"'
          value: .teams
relations:
  owner: .owner.login`);
    const result = await engine().mapPage(r, [{ id: 'x1', teams: ['a'], owner: { login: 'me' } }]);
    expect(result.passed).toEqual([
      {
        identifier: { combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 'x1' }] },
        blueprint: 'b',
        team: { combinator: 'or', rules: [{ combinator: 'and', rules: [{ property: 'handle', operator: 'in', value: ['a'] }] }] },
        relations: { owner: 'me' },
      },
    ]);
  });

  test('itemsToParse expands elements under .item and strips the parent array', async () => {
    const r = simple(`identifier: .item.id
blueprint: '"b"'
properties:
  parent: .name
  hasArray: .file.content != null`, 'true', 'itemsToParse: .file.content // []');
    const result = await engine().mapPage(r, [
      { name: 'p1', file: { content: [{ id: 'a' }, { id: 'b' }], other: 1 } },
      { name: 'p2', file: { content: 'not a list' } },
      { name: 'p3' },
    ]);
    expect(result.passed).toEqual([
      { identifier: 'a', blueprint: 'b', properties: { parent: 'p1', hasArray: false } },
      { identifier: 'b', blueprint: 'b', properties: { parent: 'p1', hasArray: false } },
    ]);
    expect(result.counts).toMatchObject({ input: 3, items: 2, mapped: 2 });
  });

  test('itemsToParse keeps the array when the top-level transform is off, and honours itemsToParseName', async () => {
    const r = simple(`identifier: .el
blueprint: '"b"'
properties:
  count: .list | length`, 'true', 'itemsToParse: .list\nitemsToParseName: el\nitemsToParseTopLevelTransform: false');
    const result = await engine().mapPage(r, [{ list: ['x', 'y'] }]);
    expect(result.passed).toEqual([
      { identifier: 'x', blueprint: 'b', properties: { count: 2 } },
      { identifier: 'y', blueprint: 'b', properties: { count: 2 } },
    ]);
  });

  test('itemsToParse without an extractable path drops the parent (Ocean evaluates del(.))', async () => {
    const r = simple(`identifier: .item
blueprint: '"b"'`, 'true', 'itemsToParse: . as $root | [1, 2]');
    const result = await engine().mapPage(r, [{ a: 1 }]);
    expect(result.passed).toEqual([]);
    expect(result.counts.items).toBe(0);
  });

  test('env and $ENV are hidden from mappings by default', async () => {
    const r = simple(`identifier: '"x"'
blueprint: '"b"'
properties:
  env: env
  dollar: $ENV
  home: env.HOME`);
    const result = await engine().mapPage(r, [{}]);
    expect(result.passed[0]!.properties).toEqual({ env: {}, dollar: {}, home: null });
  });

  test('records that are deep or large are mapped or reported, never crash', async () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    const big = { id: 'big', blob: 'x'.repeat(5_000_000) };
    const r = simple(`identifier: .id
blueprint: '"b"'
properties:
  size: .blob | length`);
    const result = await engine().mapPage(r, [{ id: 'ok', deep }, big, { id: 'fine' }]);
    expect(result.passed.map((e) => e.identifier)).toEqual(expect.arrayContaining(['big', 'fine']));
    expect(result.passed.find((e) => e.identifier === 'big')!.properties).toEqual({ size: 5_000_000 });
    expect(result.counts.mapped + result.counts.itemErrors).toBe(3);
  });

  test('records the fast path cannot vouch for are mapped by jq-wasm and keep their place', async () => {
    const r = simple(`identifier: .id
blueprint: '"b"'
properties:
  s: .n | tostring`, '.n != 0');
    const result = await engine().mapPage(r, [{ id: 'a', n: 1 }, { id: 'b', n: 1e20 }, { id: 'z', n: 0 }, { id: 'c', n: -0.5 }, { id: 'd', n: 1e-7 }]);
    expect(result.passed).toEqual([
      { identifier: 'a', blueprint: 'b', properties: { s: '1' } },
      { identifier: 'b', blueprint: 'b', properties: { s: '100000000000000000000' } },
      { identifier: 'c', blueprint: 'b', properties: { s: '-0.5' } },
      { identifier: 'd', blueprint: 'b', properties: { s: '1E-7' } },
    ]);
    expect(result.counts).toMatchObject({ mapped: 4, filtered: 1 });
  });

  test('expressions outside the fast path run on jq-wasm next to fast ones', async () => {
    const r = simple(`identifier: .name | gsub("[^a-z]"; "-")
blueprint: '"b"'
properties:
  tags: .tags | sort_by(.) | unique
  first: .tags[0]`, '.tags | length > 0');
    const result = await engine().mapPage(r, [{ name: 'A b', tags: ['y', 'x', 'y'] }, { name: 'c', tags: [] }]);
    expect(result.passed).toEqual([{ identifier: '--b', blueprint: 'b', properties: { tags: ['x', 'y'], first: 'y' } }]);
    expect(result.counts).toMatchObject({ mapped: 1, filtered: 1 });
  });

  test('Date values are seen as their ISO strings, as Ocean converts datetimes', async () => {
    const r = simple(`identifier: .id
blueprint: '"b"'
properties:
  when: .when
  length: .when | length
  first: .dates[0]
  all: .dates`);
    const result = await engine().mapPage(r, [{ id: 'a', when: new Date(0), dates: [new Date(86_400_000)] }, { id: 'b', when: 'x', dates: [] }]);
    expect(JSON.parse(JSON.stringify(result.passed))).toEqual([
      { identifier: 'a', blueprint: 'b', properties: { when: '1970-01-01T00:00:00.000Z', length: 24, first: '1970-01-02T00:00:00.000Z', all: ['1970-01-02T00:00:00.000Z'] } },
      { identifier: 'b', blueprint: 'b', properties: { when: 'x', length: 1, first: null, all: [] } },
    ]);
  });

  test('100 items keep their order', async () => {
    const r = simple(`identifier: .id | tostring
blueprint: '"b"'
properties:
  tag: .tags[] | select(. != "skip")`);
    const records = Array.from({ length: 100 }, (_, i) => ({ id: i, tags: ['skip', `t${i}`] }));
    const result = await engine().mapPage(r, records);
    expect(result.passed.map((e) => e.identifier)).toEqual(records.map((x) => String(x.id)));
    expect(result.passed[7]!.properties).toEqual({ tag: 't7' });
  });
});

test('allowEnv exposes the given environment to env and $ENV', async () => {
  const engine = createMappingEngine({ workers: 1, allowEnv: true, env: { MARINA_TEST_VALUE: 'v1' } });
  const forced = createMappingEngine({ workers: 1, allowEnv: true, env: { MARINA_TEST_VALUE: 'v1' }, engine: 'jq-wasm' });
  try {
    const r = simple(`identifier: env.MARINA_TEST_VALUE
blueprint: $ENV.MARINA_TEST_VALUE`);
    for (const e of [engine, forced]) {
      const result = await e.mapPage(r, [{}]);
      expect(result.passed).toEqual([{ identifier: 'v1', blueprint: 'v1' }]);
    }
  } finally {
    await Promise.all([engine.close(), forced.close()]);
  }
});

test('compile reports every expression jq rejects, with its path', async () => {
  const engine = createMappingEngine({ workers: 1 });
  try {
    const r = simple(`identifier: .id
blueprint: '"b"'
properties:
  bad: .a |
  fine: .b
relations:
  rel: '{'`, '.x ==');
    const compiled = await engine.compile(r);
    expect(compiled.problems.map((p) => p.path)).toEqual(['selector.query', 'properties.bad', 'relations.rel']);
    expect(compiled.problems[1]!.error).toContain('syntax error');
  } finally {
    await engine.close();
  }
});
