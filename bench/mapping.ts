/**
 * `npm run bench:mapping`: the mapping stage on 20,000 GitHub-repository-like records (about
 * 2 KB, 42 keys each) with a 10-expression mapping (the setup of jq-engines.md), against the jq
 * CLI over the whole array and a hand-written JS function (the physical limit). Prints records/s,
 * the longest event-loop stall of each Marina run, and the ratios the issue sets as goals.
 * Environment: BENCH_RECORDS (default 20000), BENCH_WORKERS (jq-wasm threads), BENCH_VERBOSE=1
 * (every timed pass).
 */
import { spawn, spawnSync } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createMappingEngine, parsePortAppConfig, type PortEntity } from '../src/mapping/index.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const PAGE = 1_000;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(n: number): Record<string, unknown>[] {
  const rand = prng(20_000);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const languages = ['TypeScript', 'Python', 'Go', 'Rust', 'Java', 'Ruby', 'C++', null];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const isOrg = rand() < 0.7;
    const ownerLogin = isOrg ? `org-${i % 97}` : `user-${i % 991}`;
    const name = `repo-${i}`;
    const api = `https://api.github.com/repos/${ownerLogin}/${name}`;
    const date = (d: number): string => new Date(Date.UTC(2020, 0, 1) + d * 3_600_000).toISOString();
    out.push({
      id: 100_000 + i,
      node_id: `R_kgDO${i.toString(36).padStart(8, '0')}`,
      name,
      full_name: `${ownerLogin}/${name}`,
      private: rand() < 0.3,
      owner: {
        login: ownerLogin,
        id: 5000 + (i % 991),
        node_id: `U_${i % 991}`,
        avatar_url: `https://avatars.githubusercontent.com/u/${5000 + (i % 991)}?v=4`,
        gravatar_id: '',
        url: `https://api.github.com/users/${ownerLogin}`,
        html_url: `https://github.com/${ownerLogin}`,
        followers_url: `https://api.github.com/users/${ownerLogin}/followers`,
        repos_url: `https://api.github.com/users/${ownerLogin}/repos`,
        type: isOrg ? 'Organization' : 'User',
        site_admin: false,
      },
      organization: isOrg ? { login: ownerLogin, id: 9000 + (i % 97), url: `https://api.github.com/orgs/${ownerLogin}`, type: 'Organization' } : null,
      html_url: `https://github.com/${ownerLogin}/${name}`,
      description: rand() < 0.2 ? null : `Repository number ${i} doing things`,
      fork: rand() < 0.2,
      url: api,
      forks_url: `${api}/forks`,
      events_url: `${api}/events`,
      branches_url: `${api}/branches{/branch}`,
      contributors_url: `${api}/contributors`,
      commits_url: `${api}/commits{/sha}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      created_at: date(i),
      updated_at: date(i + 500),
      pushed_at: date(i + 900),
      git_url: `git://github.com/${ownerLogin}/${name}.git`,
      ssh_url: `git@github.com:${ownerLogin}/${name}.git`,
      clone_url: `https://github.com/${ownerLogin}/${name}.git`,
      homepage: rand() < 0.8 ? null : `https://${name}.example.com`,
      size: Math.floor(rand() * 100_000),
      stargazers_count: Math.floor(rand() * 5000),
      watchers_count: Math.floor(rand() * 5000),
      forks_count: Math.floor(rand() * 500),
      open_issues_count: Math.floor(rand() * 200),
      language: pick(languages),
      has_issues: rand() < 0.9,
      has_projects: rand() < 0.5,
      has_wiki: rand() < 0.5,
      has_pages: rand() < 0.1,
      archived: rand() < 0.15,
      disabled: false,
      license: rand() < 0.3 ? null : { key: 'mit', name: 'MIT License', spdx_id: 'MIT', url: 'https://api.github.com/licenses/mit', node_id: 'MDc6TGljZW5zZTEz' },
      topics: Array.from({ length: Math.floor(rand() * 6) }, (_, k) => `topic-${(i + k) % 50}`),
      visibility: 'public',
      default_branch: rand() < 0.8 ? 'main' : 'master',
      permissions: { admin: false, maintain: false, push: rand() < 0.5, triage: true, pull: true },
    });
  }
  return out;
}

const MAPPING = `resources:
  - kind: repository
    selector:
      query: .fork == false
    port:
      entity:
        mappings:
          identifier: .name
          title: .full_name
          blueprint: '"githubRepository"'
          properties:
            url: .html_url
            language: .language
            stars: .stargazers_count
            topics: .topics | join(",")
            owner: .owner.login
            status: if .archived then "archived" else "active" end
          relations:
            organization: .organization.login // "none"
`;

const COMBINED =
  '[.[] | select(.fork == false) | {identifier: .name, title: .full_name, blueprint: "githubRepository", properties: {url: .html_url, language: .language, stars: .stargazers_count, topics: (.topics | join(",")), owner: .owner.login, status: (if .archived then "archived" else "active" end)}, relations: {organization: (.organization.login // "none")}}]';

/** The same mapping written by hand: the physical limit. */
function handWritten(records: Record<string, unknown>[]): PortEntity[] {
  const out: PortEntity[] = [];
  for (const r of records) {
    if (r.fork !== false) continue;
    const org = r.organization as { login?: string } | null;
    out.push({
      identifier: r.name,
      title: r.full_name,
      blueprint: 'githubRepository',
      properties: {
        url: r.html_url,
        language: r.language,
        stars: r.stargazers_count,
        topics: (r.topics as string[]).join(','),
        owner: (r.owner as { login: string }).login,
        status: r.archived ? 'archived' : 'active',
      },
      relations: { organization: org?.login ?? 'none' },
    });
  }
  return out;
}

async function runJqCli(records: unknown[]): Promise<{ seconds: number; entities: unknown[] } | undefined> {
  if (spawnSync('jq', ['--version']).error) return undefined;
  const start = performance.now();
  const child = spawn('jq', ['-c', COMBINED], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`jq exited with ${code}`))));
  });
  child.stdin.end(JSON.stringify(records));
  await done;
  const entities = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
  return { seconds: (performance.now() - start) / 1000, entities };
}

async function runMarina(engineName: 'auto' | 'jq-wasm', records: Record<string, unknown>[]): Promise<{ seconds: number; maxBlockMs: number; entities: PortEntity[] }> {
  const engine = createMappingEngine({ engine: engineName, ...(process.env.BENCH_WORKERS ? { workers: Number(process.env.BENCH_WORKERS) } : {}) });
  const resource = parsePortAppConfig(MAPPING, 'bench').resources[0]!;
  try {
    // Warm-up outside the timing: compile, start the workers, and let V8 optimise the closures
    // (a daemon maps many pages; the first one is not representative).
    for (let i = 0; i < records.length; i += PAGE) await engine.mapPage(resource, records.slice(i, i + PAGE));
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    // A 1 ms ticker as a second opinion: its longest gap is the longest stall.
    let last = performance.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    // Three timed passes; the median is reported (the machine is shared, single passes are noisy).
    const times: number[] = [];
    let entities: PortEntity[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const start = performance.now();
      entities = [];
      for (let i = 0; i < records.length; i += PAGE) {
        const result = await engine.mapPage(resource, records.slice(i, i + PAGE));
        for (const e of result.passed) entities.push(e);
      }
      times.push((performance.now() - start) / 1000);
    }
    if (process.env.BENCH_VERBOSE) console.log(engineName, times.map((t) => Math.round(records.length / t)));
    const seconds = times.sort((a, b) => a - b)[1]!;
    histogram.disable();
    clearInterval(ticker);
    return { seconds, maxBlockMs: Math.max(histogram.max / 1e6, maxGap), entities };
  } finally {
    await engine.close();
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const records = generate(RECORDS);
const bytes = JSON.stringify(records).length;
console.log(`records: ${fmt(RECORDS)} (${(bytes / RECORDS).toFixed(0)} B each, ${(bytes / 2 ** 20).toFixed(1)} MiB), pages of ${PAGE}`);

const expected = handWritten(records);
const passes = 20;
const jsStart = performance.now();
for (let p = 0; p < passes; p++) handWritten(records);
const jsSeconds = (performance.now() - jsStart) / 1000 / passes;
const jsRate = RECORDS / jsSeconds;

// Port does not care about key order; compare entities with their top-level keys sorted.
const canonical = (e: unknown): string => JSON.stringify(Object.fromEntries(Object.entries(e as object).sort(([a], [b]) => (a < b ? -1 : 1))));
const expectedTexts = expected.map(canonical);
const check = (name: string, entities: unknown[]): void => {
  const i = entities.length !== expected.length ? Math.min(entities.length, expected.length) : entities.findIndex((e, k) => canonical(e) !== expectedTexts[k]);
  if (i !== -1) throw new Error(`${name}: output differs from the hand-written mapping at entity ${i}: ${JSON.stringify(entities[i])}`);
};

const marina = await runMarina('auto', records);
check('marina (default)', marina.entities);
const wasm = await runMarina('jq-wasm', records);
check('marina (jq-wasm only)', wasm.entities);
const cli = await runJqCli(records);
if (cli) check('jq CLI', cli.entities);

const marinaRate = RECORDS / marina.seconds;
const wasmRate = RECORDS / wasm.seconds;
console.log(`entities: ${fmt(expected.length)} (all outputs identical)`);
console.log(`marina default (fast path + jq-wasm)  ${fmt(marinaRate).padStart(10)} records/s   max event-loop block ${marina.maxBlockMs.toFixed(1)} ms`);
console.log(`marina jq-wasm only (worker pool)     ${fmt(wasmRate).padStart(10)} records/s   max event-loop block ${wasm.maxBlockMs.toFixed(1)} ms`);
if (cli) console.log(`jq CLI, whole array (reference)       ${fmt(RECORDS / cli.seconds).padStart(10)} records/s`);
else console.log('jq CLI: skipped (no `jq` on PATH; install the Debian package jq for this reference)');
console.log(`hand-written JS (physical limit)      ${fmt(jsRate).padStart(10)} records/s`);
if (cli) {
  const cliRate = RECORDS / cli.seconds;
  console.log(`ratio default / jq CLI        ${(marinaRate / cliRate).toFixed(1)}x   (goal >= 30x)`);
  console.log(`ratio jq-wasm only / jq CLI   ${(wasmRate / cliRate).toFixed(2)}x  (goal >= 1x)`);
}
console.log(`ratio default / hand-written  ${(marinaRate / jsRate).toFixed(2)}   (goal >= 0.33)`);
console.log(`max event-loop block          ${Math.max(marina.maxBlockMs, wasm.maxBlockMs).toFixed(1)} ms (goal <= 20 ms)`);
