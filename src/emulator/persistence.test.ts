import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMarinaError } from '../errors.js';
import { openPersistence, replayJournal } from './persistence.js';
import { createState, type StoreOp } from './state.js';
import type { StoredEntity } from './types.js';

const now = '2026-01-01T00:00:00.000Z';
const blueprintOp: StoreOp = {
  op: 'blueprint.put',
  blueprint: {
    identifier: 'svc', title: 'Svc', schema: { properties: {} }, relations: {}, mirrorProperties: {}, calculationProperties: {},
    aggregationProperties: {}, createdAt: now, updatedAt: now, createdBy: 't', updatedBy: 't',
  },
};
const entity = (identifier: string, extra: Partial<StoredEntity> = {}): StoreOp => ({
  op: 'entity.put',
  entity: { identifier, blueprint: 'svc', team: [], properties: {}, relations: {}, createdAt: now, updatedAt: now, createdBy: 't', updatedBy: 't', datasource: 'ua', ...extra },
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marina-persistence-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('committed records come back after reopening', () => {
  const first = openPersistence(dir);
  first.commit([blueprintOp]);
  first.commit([entity('a'), entity('b')]);
  first.commit([{ op: 'entity.delete', blueprint: 'svc', identifier: 'a' }]);
  first.close();
  const second = openPersistence(dir);
  expect([...(second.state.entities.get('svc')?.keys() ?? [])]).toEqual(['b']);
  second.close();
});

test('a torn last record is cut off with a warning, and writing continues after it', () => {
  const first = openPersistence(dir);
  first.commit([blueprintOp]);
  first.commit([entity('a')]);
  first.close();
  const journal = join(dir, 'journal-0.log');
  const whole = statSync(journal).size;
  // A record cut mid-way, as a kill during the write would leave it.
  appendFileSync(journal, '0badc0de [{"op":"entity.put","entity":{"identif');
  const warnings: unknown[] = [];
  const second = openPersistence(dir, { onWarning: (message, details) => warnings.push({ message, details }) });
  expect(statSync(journal).size).toBe(whole);
  expect(warnings).toHaveLength(1);
  second.commit([entity('b')]);
  second.close();
  const third = openPersistence(dir);
  expect([...(third.state.entities.get('svc')?.keys() ?? [])].sort()).toEqual(['a', 'b']);
  third.close();
});

test('a record whose checksum fails ends the replay there', () => {
  const first = openPersistence(dir);
  first.commit([blueprintOp]);
  first.commit([entity('a')]);
  first.commit([entity('b')]);
  first.close();
  const journal = join(dir, 'journal-0.log');
  const lines = readFileSync(journal, 'utf8').split('\n');
  lines[1] = (lines[1] as string).replace('"a"', '"z"');
  writeFileSync(journal, lines.join('\n'));
  const second = openPersistence(dir);
  expect(second.state.entities.get('svc')?.size).toBe(0);
  second.close();
});

test('compaction writes a snapshot, starts a new generation and keeps everything', () => {
  const store = openPersistence(dir, { compactAtBytes: 2000 });
  store.commit([blueprintOp]);
  for (let i = 0; i < 50; i++) store.commit([entity(`e${i}`, { properties: { pad: 'x'.repeat(50) } })]);
  const files = readdirSync(dir).sort();
  expect(files.some((name) => name.startsWith('snapshot-'))).toBe(true);
  expect(files.filter((name) => name.startsWith('journal-'))).toHaveLength(1);
  store.close();
  const reopened = openPersistence(dir);
  expect(reopened.state.entities.get('svc')?.size).toBe(50);
  expect(reopened.state.blueprints.has('svc')).toBe(true);
  reopened.close();
});

test('a compaction interrupted after its snapshot was renamed starts from the new snapshot', () => {
  const store = openPersistence(dir);
  store.commit([blueprintOp, entity('a')]);
  store.close();
  // Simulate: snapshot-1 written and renamed, journal-0 not yet removed, journal-1 not created.
  const snapshot = { version: 1, blueprints: [(blueprintOp as { blueprint: unknown }).blueprint], entities: [(entity('a') as { entity: unknown }).entity], integrations: [], migrations: [], records: [] };
  writeFileSync(join(dir, 'snapshot-1.json'), JSON.stringify(snapshot));
  writeFileSync(join(dir, 'snapshot-2.json.tmp'), '{"half');
  const reopened = openPersistence(dir);
  expect(reopened.state.entities.get('svc')?.has('a')).toBe(true);
  expect(readdirSync(dir).sort()).toEqual(['journal-1.log', 'snapshot-1.json']);
  reopened.close();
});

test('an unreadable snapshot is a clear error naming the file', () => {
  writeFileSync(join(dir, 'snapshot-3.json'), '{not json');
  let caught: unknown;
  try {
    openPersistence(dir);
  } catch (error) {
    caught = error;
  }
  expect(isMarinaError(caught, 'EMULATOR_DATA_CORRUPT')).toBe(true);
  expect((caught as Error).message).toContain('snapshot-3.json');
});

test('a journal cut at any byte replays exactly the records that were whole before the cut', () => {
  const store = openPersistence(dir);
  store.commit([blueprintOp]);
  for (let i = 0; i < 12; i++) store.commit([entity(`e${i}`, { properties: { text: 'ünïcødé ✓'.repeat(i) } }), entity(`f${i}`)]);
  store.close();
  const journal = readFileSync(join(dir, 'journal-0.log'));
  const ends: number[] = [];
  for (let i = 0; i < journal.length; i++) if (journal[i] === 0x0a) ends.push(i + 1);
  for (let cut = 0; cut <= journal.length; cut++) {
    const state = createState();
    const { validBytes, records } = replayJournal(journal.subarray(0, cut), state);
    const whole = ends.filter((end) => end <= cut);
    expect(records).toBe(whole.length);
    expect(validBytes).toBe(whole[whole.length - 1] ?? 0);
    // Entities come in pairs per record: never one of a pair without the other.
    const size = state.entities.get('svc')?.size ?? 0;
    expect(size % 2).toBe(0);
  }
});
