import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../src/emulator/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

/** Runs the writer until it has acknowledged `acks` batches, then SIGKILLs it mid-write. */
function runAndKill(dataDir: string, startBatch: number, acks: number): Promise<number[]> {
  return new Promise((resolvePromise, reject) => {
    // `node --import tsx` keeps the writer in this one process, so SIGKILL hits the process that
    // writes (the tsx CLI would fork a grandchild that outlives the kill).
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/crash-writer.ts'), dataDir, String(startBatch)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      if (acked.length >= acks && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(acked);
      else reject(new Error(`writer exited on its own (${String(signal)}): ${stderr}`));
    });
  });
}

test('kill -9 during continuous writes leaves a whole, consistent state every time', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'marina-emulator-crash-'));
  try {
    const allAcked: number[] = [];
    for (let round = 0; round < 3; round++) {
      allAcked.push(...(await runAndKill(dataDir, round * 100_000, 60)));
      const emulator = await startEmulator({ dataDir });
      try {
        const byBatch = new Map<number, number>();
        const misfiled: string[] = [];
        for (const item of emulator.entities('item')) {
          const batch = item.properties['batch'] as number;
          if (!item.identifier.startsWith(`b${batch}-`)) misfiled.push(item.identifier);
          byBatch.set(batch, (byBatch.get(batch) ?? 0) + 1);
        }
        expect(misfiled).toEqual([]);
        // Every acknowledged batch survived, and no batch is half-applied.
        expect(allAcked.filter((batch) => byBatch.get(batch) !== 20)).toEqual([]);
        expect([...byBatch.entries()].filter(([, count]) => count !== 20)).toEqual([]);
        expect(byBatch.size).toBeGreaterThanOrEqual(new Set(allAcked).size);
        expect(emulator.blueprints().map((b) => b.identifier)).toEqual(['item']);
      } finally {
        await emulator.close();
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
