/**
 * One measured run of `npm run bench:github`, in its own process so its peak RSS is its own:
 * the GitHub plugin set up as the host does (host HTTP client, a data dir for its response
 * cache) resyncs repositories, pull requests, issues and workflow runs into the emulator,
 * twice; the second resync finds everything unchanged. Asks the simulator (IPC through the
 * parent) for requests and points after each resync. Prints `result <json>`.
 *   github-run <simulator url> <emulator url>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { applyHeapSettings } from '../src/heap-settings.js';
import { createMappingEngine, parsePortAppConfig } from '../src/mapping/index.js';
import { createPortClient, createRateBudget, loadPortResources, provisionIntegration } from '../src/port/index.js';
import { createResyncRunner } from '../src/sync/resync-runner.js';
import { createResyncProgress } from '../src/sync/resync-progress.js';
import { setUpGithub } from '../plugins/github/test/github-test-support.js';

applyHeapSettings({ env: process.env, execArgv: process.execArgv });
const [githubUrl, portUrl] = process.argv.slice(2) as [string, string];
const resourcesDir = new URL('../plugins/github/.port/resources/', import.meta.url).pathname;

const ask = (message: string): Promise<Record<string, any>> =>
  new Promise((resolve) => {
    process.once('message', (answer) => resolve(answer as Record<string, any>));
    process.send?.(message);
  });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);

const defaults = await loadPortResources(resourcesDir);
const blueprints = [
  ...defaults.blueprints,
  { identifier: 'githubIssue', title: 'Issue', schema: { properties: { status: { type: 'string' }, link: { type: 'string', format: 'url' }, creator: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } }, required: [] }, relations: { repository: { target: 'githubRepository', required: false, many: false } } },
  { identifier: 'githubWorkflowRun', title: 'Workflow run', schema: { properties: { status: { type: 'string' }, conclusion: { type: 'string' }, runNumber: { type: 'number' }, link: { type: 'string', format: 'url' } }, required: [] }, relations: { repository: { target: 'githubRepository', required: false, many: false } } },
];
const defaultMapping = defaults.portAppConfig as { resources: Record<string, unknown>[] } & Record<string, unknown>;
const mapping = {
  ...defaultMapping,
  resources: [
    ...defaultMapping.resources.filter((resource) => resource['kind'] !== 'organization').map((resource) => (resource['kind'] === 'repository' ? { ...resource, selector: { query: 'true' } } : resource)),
    { kind: 'issue', selector: { query: 'true', state: 'open' }, port: { entity: { mappings: { identifier: '.__repository + "-" + (.number|tostring)', title: '.title', blueprint: '"githubIssue"', properties: { status: '.state', link: '.html_url', creator: '.user.login', createdAt: '.created_at' }, relations: { repository: '.__repository' } } } } },
    { kind: 'workflow-run', selector: { query: 'true' }, port: { entity: { mappings: { identifier: '(.id|tostring)', title: '.display_title', blueprint: '"githubWorkflowRun"', properties: { status: '.status', conclusion: '.conclusion', runNumber: '.run_number', link: '.html_url' }, relations: { repository: '.__repository' } } } } },
  ],
};
// Checked as the resync will read it.
parsePortAppConfig(JSON.stringify(mapping), 'bench mapping');

const engine = createMappingEngine({ workers: 2 });
const budget = createRateBudget({ limits: false, concurrency: 64 });
const client = createPortClient({ baseUrl: portUrl, clientId: 'bench', clientSecret: 'bench', budget });
const integration = { identifier: 'bench-github', type: 'github', version: '0.1.0' };
await provisionIntegration(client, integration, { resources: { blueprints: blueprints as never, portAppConfig: mapping }, initializePortResources: true });
const dataDir = mkdtempSync(path.join(tmpdir(), 'marina-bench-github-'));
const github = await setUpGithub({ githubHost: githubUrl, githubToken: 'ghp_bench', githubOrganization: 'bench-org' }, { dataDir });
const runner = createResyncRunner({ integration, client, engine, instance: () => github.instance, mapping: { source: 'port' }, logger: pino({ level: 'warn' }) });

async function resync() {
  await ask('reset');
  await fetch(`${portUrl}/_emulator/requests`, { method: 'DELETE' });
  const startedRss = process.memoryUsage().rss;
  peakRss = startedRss;
  const started = performance.now();
  const report = await runner.run(new AbortController().signal, { progress: createResyncProgress() });
  const seconds = (performance.now() - started) / 1000;
  if (report.status !== 'completed') throw new Error(`the resync ended ${report.status}: ${JSON.stringify(report.errors)}`);
  const github = await ask('stats');
  const portRequests = ((await (await fetch(`${portUrl}/_emulator/requests?limit=1000`)).json()) as { requests: unknown[] }).requests.length;
  return { seconds, totals: report.progress.totals, github, portRequests, peakRssMb: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20 };
}

const first = await resync();
const second = await resync();
clearInterval(sampler);
const cache = github.instance ? (await import('node:fs')).readdirSync(path.join(dataDir, 'http-cache', 'entries')).length : 0;
await github.close();
client.close();
await engine.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(`result ${JSON.stringify({ first, second, cacheEntries: cache })}`);
