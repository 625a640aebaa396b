import { createMisconfigurationTracker, type MisconfigurationTrackerOptions } from './misconfiguration-tracker.js';
import { parsePortAppConfig } from './port-app-config.js';
import type { BlueprintRequirements } from './misconfigurations.js';

const mapping = parsePortAppConfig(
  `resources:
  - kind: repo
    selector: { query: 'true' }
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"service"'
          properties: { url: .url, description: .description }
          relations: { team: .team }
  - kind: any
    selector: { query: 'true' }
    port:
      entity:
        mappings: { identifier: .id, blueprint: .type, properties: { url: .url } }
`,
  'mapping.yml',
);
const [repo, any] = mapping.resources as [(typeof mapping.resources)[0], (typeof mapping.resources)[0]];
const service: BlueprintRequirements = { schema: { required: ['url'] }, relations: { team: { required: true } } };

function setUp(overrides: Partial<MisconfigurationTrackerOptions> = {}) {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const reads: string[] = [];
  const counts: [string, string, number][] = [];
  let clock = 0;
  const tracker = createMisconfigurationTracker({
    scope: 'resync',
    logger: {
      warn: (obj, msg = '') => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
      error: (obj, msg = '') => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
      debug: () => undefined,
    },
    readBlueprint: async (identifier) => {
      reads.push(identifier);
      return identifier === 'service' ? service : undefined;
    },
    onCount: (kind, severity, count) => counts.push([kind, severity, count]),
    now: () => clock,
    ...overrides,
  });
  return { tracker, lines, reads, counts, advance: (ms: number) => (clock += ms) };
}

test('a field is counted over every page and logged once, ERROR when the blueprint requires it, with a count and an example', async () => {
  const { tracker, lines, reads, counts } = setUp();
  await tracker.add(repo, 0, { 'properties.url': { expression: '.url', items: 3, exampleIdentifier: 'r1', exampleBlueprint: 'service' } });
  await tracker.add(repo, 0, {
    'properties.url': { expression: '.url', items: 2, exampleIdentifier: 'r9' },
    'properties.description': { expression: '.description', items: 1, exampleIdentifier: 'r4' },
    'relations.team': { expression: '.team', items: 5 },
  });
  expect(lines).toEqual([]);
  tracker.flush({ resourceIndex: 0, force: true });
  tracker.flush({ resourceIndex: 0, force: true });
  expect(lines.map((line) => [line.level, line.obj['field'], line.obj['count']])).toEqual([
    ['error', 'properties.url', 5],
    ['warn', 'properties.description', 1],
    ['error', 'relations.team', 5],
  ]);
  expect(lines[0]!.msg).toBe('mapping of kind "repo" (resource 0) gave null for properties.url (.url) in 5 items, e.g. "r1": blueprint "service" requires properties.url');
  expect(lines[1]!.msg).toContain('the expression gave null, no output or an error');
  expect(reads).toEqual(['service']);
  expect(counts).toEqual([
    ['repo', 'error', 3],
    ['repo', 'error', 2],
    ['repo', 'warning', 1],
    ['repo', 'error', 5],
  ]);
  expect(tracker.summaries(0)).toEqual([
    { kind: 'repo', resourceIndex: 0, field: 'properties.url', expression: '.url', severity: 'error', count: 5, example: 'r1', blueprint: 'service' },
    { kind: 'repo', resourceIndex: 0, field: 'properties.description', expression: '.description', severity: 'warning', count: 1, example: 'r4', blueprint: 'service' },
    { kind: 'repo', resourceIndex: 0, field: 'relations.team', expression: '.team', severity: 'error', count: 5, blueprint: 'service' },
  ]);
});

test('a computed blueprint is judged by the blueprint the example entity got; an unknown or unreadable one gives warnings', async () => {
  const { tracker, reads } = setUp();
  await tracker.add(any, 1, { 'properties.url': { expression: '.url', items: 1, exampleIdentifier: 'a', exampleBlueprint: 'service' } });
  expect(tracker.summaries(1)[0]).toMatchObject({ severity: 'error', blueprint: 'service' });

  const failing = setUp({ readBlueprint: () => Promise.reject(new Error('Port is down')) });
  await failing.tracker.add(repo, 0, { 'properties.url': { expression: '.url', items: 1 } });
  expect(failing.tracker.summaries()[0]).toMatchObject({ severity: 'warning' });
  expect(reads).toEqual(['service']);
});

test('with a log interval (live events) a field is logged at once, then again only after the interval with what came meanwhile', async () => {
  const { tracker, lines, advance } = setUp({ logIntervalMs: 60_000, scope: 'live events' });
  await tracker.add(repo, 0, { 'properties.description': { expression: '.description', items: 1, exampleIdentifier: 'e1' } });
  tracker.flush();
  await tracker.add(repo, 0, { 'properties.description': { expression: '.description', items: 1 } });
  advance(30_000);
  await tracker.add(repo, 0, { 'properties.description': { expression: '.description', items: 1 } });
  tracker.flush();
  expect(lines).toHaveLength(1);
  advance(30_000);
  tracker.flush();
  expect(lines.map((line) => [line.obj['count'], line.obj['total']])).toEqual([
    [1, 1],
    [2, 3],
  ]);
  expect(lines[1]!.msg).toContain('in 2 items since the previous report (3 in all)');
});

test('the blueprint is read again after its time to live', async () => {
  const { tracker, reads, advance } = setUp({ blueprintTtlMs: 1000 });
  await tracker.add(repo, 0, { 'properties.url': { expression: '.url', items: 1 } });
  await tracker.add(repo, 0, { 'properties.url': { expression: '.url', items: 1 } });
  advance(1000);
  await tracker.add(repo, 0, { 'properties.url': { expression: '.url', items: 1 } });
  expect(reads).toEqual(['service', 'service']);
});
