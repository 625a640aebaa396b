/**
 * bench:github — a resync of a simulated GitHub organization (REPOS repositories, default
 * 2,000, each with 40 pull requests, 40 issues and one workflow with 20 runs: about 200,000
 * records) through the GitHub plugin into the emulator: records/s, GitHub requests and
 * rate-limit points, peak RSS of the Marina process; then an unchanged second resync: the points
 * it spends as a fraction of the first (goal ≤ 0.1) and Port requests per unchanged entity
 * (goal ≤ 1/1,000). The simulator and the emulator run in their own processes.
 *
 * Environment: GITHUB_BENCH_REPOS (default 2000), GITHUB_BENCH_PULLS (40), GITHUB_BENCH_ISSUES
 * (40), GITHUB_BENCH_RUNS (20).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shape = [process.env.GITHUB_BENCH_REPOS ?? '2000', process.env.GITHUB_BENCH_PULLS ?? '40', process.env.GITHUB_BENCH_ISSUES ?? '40', process.env.GITHUB_BENCH_RUNS ?? '20'];

function startChild(file: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, file), args, { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /url (\S+)/.exec(chunk.toString());
      if (match) resolve({ child, url: match[1] as string });
    });
    child.on('exit', (code) => reject(new Error(`${file} exited with ${String(code)}`)));
  });
}

const simulator = await startChild('github-simulator-server.ts', shape);
const emulator = await startChild('emulator-server.ts', ['memory']);
const runner = fork(join(here, 'github-run.ts'), [simulator.url, emulator.url], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
// The measured process asks the simulator for its figures through this process.
runner.on('message', (message) => {
  simulator.child.once('message', (answer) => runner.send(answer as never));
  simulator.child.send(message as never);
});
let output = '';
runner.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
const code = await new Promise<number | null>((resolve) => runner.on('exit', resolve));
simulator.child.kill();
emulator.child.kill();
const line = output.split('\n').find((text) => text.startsWith('result '));
if (code !== 0 || line === undefined) throw new Error(`github-run exited with ${String(code)}`);
const { first, second, cacheEntries } = JSON.parse(line.slice('result '.length)) as Record<string, any>;

const points = (run: Record<string, any>) => Object.values(run.github.points as Record<string, number>).reduce((sum, value) => sum + value, 0);
const firstPoints = points(first);
const secondPoints = points(second);
const entities = second.totals.records as number;
console.log(`bench:github — ${shape[0]} repositories × (${shape[1]} pull requests, ${shape[2]} issues, ${shape[3]} workflow runs)`);
console.log(`first resync:  ${first.totals.records} records in ${first.seconds.toFixed(1)} s = ${Math.round(first.totals.records / first.seconds)} records/s; ${first.github.requests} GitHub requests, ${firstPoints} points; peak RSS ${first.peakRssMb.toFixed(0)} MB; upserted ${first.totals.upserted}, failed ${first.totals.failed}`);
console.log(`second resync: ${second.totals.records} records in ${second.seconds.toFixed(1)} s = ${Math.round(second.totals.records / second.seconds)} records/s; ${second.github.requests} GitHub requests (${second.github.notModified} answered 304), ${secondPoints} points; peak RSS ${second.peakRssMb.toFixed(0)} MB; unchanged ${second.totals.unchanged}`);
console.log(`points, second / first: ${(secondPoints / firstPoints).toFixed(4)} (goal ≤ 0.1)`);
console.log(`Port requests in the second resync: ${second.portRequests} for ${entities} unchanged entities = ${(second.portRequests / entities).toExponential(2)} per entity (goal ≤ 1e-3)`);
console.log(`response cache: ${cacheEntries} stored answers`);
