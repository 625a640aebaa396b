import { COUNT_KEYS, type KindCounts, type ProgressSnapshot } from './resync-progress.js';

/**
 * Text views of resync progress for `marina sail`: a table redrawn in place on a terminal, and
 * one plain line per update elsewhere (CI logs, files). Pure functions of snapshots.
 */

const HEADERS: Record<(typeof COUNT_KEYS)[number], string> = {
  records: 'records',
  mapped: 'mapped',
  filtered: 'filtered',
  skipped: 'skipped',
  upserted: 'upserted',
  unchanged: 'unchanged',
  failed: 'failed',
  deleted: 'deleted',
};
const SHOWN = ['records', 'upserted', 'unchanged', 'failed', 'deleted'] as const satisfies readonly (keyof KindCounts)[];

const number = (value: number): string => value.toLocaleString('en');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The table of one integration's run: one row per resource block, then the totals and rate. */
export function renderProgressTable(integration: string, snapshot: ProgressSnapshot): string[] {
  const rows: string[][] = [['kind', 'state', ...SHOWN.map((key) => HEADERS[key])]];
  for (const block of snapshot.kinds) rows.push([block.kind, block.state, ...SHOWN.map((key) => number(block[key]))]);
  rows.push(['total', snapshot.state, ...SHOWN.map((key) => number(snapshot.totals[key]))]);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  return [`${integration}  ${seconds(snapshot.elapsedMs)}  ${number(snapshot.recordsPerSecond)} records/s`, ...lines.map((line) => `  ${line}`)];
}

/** One line for logs: `github-acme running 12.0 s records=1,000 upserted=900 ... rate=83/s`. */
export function progressLine(integration: string, snapshot: ProgressSnapshot): string {
  const counts = SHOWN.map((key) => `${key}=${number(snapshot.totals[key])}`).join(' ');
  const current = snapshot.kinds.find((block) => block.state === 'running');
  return `${integration} ${snapshot.state} ${seconds(snapshot.elapsedMs)}${current ? ` kind=${current.kind}` : ''} ${counts} rate=${number(snapshot.recordsPerSecond)}/s`;
}
