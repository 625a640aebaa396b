import path from 'node:path/posix';
import { parse as parseYaml } from 'yaml';
import type { ResyncHandler, ResyncRequest } from '../../../src/sdk/index.js';
import type { CallOptions } from '../client/github-client.js';
import { callOf, everyRepository, type Json, type KindContext } from './context.js';
import { includedFiles } from './included-files.js';
import { mergePages } from './merge-pages.js';
import { fileText, globMatcher, parseContent, repositoryTree, type TreeEntry } from './repo-content.js';
import { repoBranchList, SelectorError, type RepoBranch } from './selectors.js';

/** A path pattern of a `file`, `folder` or `skill` selector. */
export interface PathPattern {
  path: string;
  organization?: string | undefined;
  repos?: RepoBranch[] | undefined;
  skipParsing?: boolean;
  excludeArchived?: boolean;
}

function patternsOf(kind: string, field: string, value: unknown, defaultPath?: string): PathPattern[] {
  if (!Array.isArray(value)) throw new SelectorError(`selector.${field} of kind "${kind}" must be a list of { path, repos?, organization? }`);
  return value.map((item, index) => {
    const entry = (item ?? {}) as Json;
    const pattern = entry['path'] ?? defaultPath;
    if (typeof pattern !== 'string' || pattern === '') throw new SelectorError(`selector.${field}[${index}].path of kind "${kind}" must be a glob such as "**/*.yaml"`);
    if (entry['organization'] !== undefined && entry['organization'] !== null && typeof entry['organization'] !== 'string') throw new SelectorError(`selector.${field}[${index}].organization of kind "${kind}" must be a string`);
    return {
      path: pattern,
      organization: entry['organization'] ?? undefined,
      repos: repoBranchList(kind, `${field}[${index}].repos`, entry['repos']),
      skipParsing: entry['skipParsing'] === true,
      excludeArchived: entry['excludeArchived'] === true,
    };
  });
}

/** One repository branch to read, and the patterns that apply to it. */
interface Target {
  org: string;
  repo: Json;
  branch: string;
  patterns: PathPattern[];
}

/**
 * Which repository branches the patterns name: each pattern's `repos` (with their branch, or
 * the default one), or every repository of the organizations when it names none.
 */
async function* targetsOf(context: KindContext, request: ResyncRequest, patterns: PathPattern[], call: CallOptions): AsyncGenerator<Target> {
  const explicit = patterns.filter((pattern) => pattern.repos !== undefined && pattern.repos.length > 0);
  const everywhere = patterns.filter((pattern) => pattern.repos === undefined || pattern.repos.length === 0);
  const byKey = new Map<string, Target>();
  if (everywhere.length > 0) {
    for await (const { org, repo } of everyRepository(context, request, call)) {
      const applies = everywhere.filter((pattern) => (pattern.organization === undefined || pattern.organization.toLowerCase() === org.toLowerCase()) && !(pattern.excludeArchived && repo['archived']));
      if (applies.length === 0) continue;
      const key = `${org}/${repo['name']}@${repo['default_branch']}`;
      const target = byKey.get(key);
      if (target) target.patterns.push(...applies);
      else byKey.set(key, { org, repo, branch: String(repo['default_branch']), patterns: [...applies] });
    }
  }
  const defaultOrg = context.settings.organization ?? (context.settings.auth.kind === 'app' ? context.settings.auth.organization : undefined);
  for (const pattern of explicit) {
    const org = pattern.organization ?? defaultOrg;
    if (org === undefined) throw new SelectorError(`kind "${request.kind}": a pattern with repos needs "organization" when githubOrganization is not configured`);
    for (const wanted of pattern.repos!) {
      const repo = await context.client.requestOptional<Json>('GET /repos/{owner}/{repo}', { owner: org, repo: wanted.name }, call);
      if (repo === undefined) {
        context.logger.warn({ kind: request.kind, organization: org, repository: wanted.name }, 'repository named in the selector not found; skipped');
        continue;
      }
      const branch = wanted.branch ?? String(repo['default_branch']);
      const key = `${org}/${repo['name']}@${branch}`;
      const target = byKey.get(key);
      if (target) target.patterns.push(pattern);
      else byKey.set(key, { org, repo, branch, patterns: [pattern] });
    }
  }
  yield* byKey.values();
}

function perTarget(context: KindContext, request: ResyncRequest, patterns: PathPattern[], each: (target: Target, tree: TreeEntry[], call: CallOptions) => AsyncIterable<Json[]>): AsyncGenerator<Json[]> {
  const call = callOf(request);
  const sources = (async function* () {
    for await (const target of targetsOf(context, request, patterns, call)) {
      yield async function* () {
        const tree = await repositoryTree(context.client, target.org, String(target.repo['name']), target.branch, call);
        yield* each(target, tree, call);
      };
    }
  })();
  return mergePages(sources, context.concurrency);
}

/**
 * `file`: files matching `files[].path` globs, their content parsed (JSON, YAML) unless
 * `skipParsing`, `file://` references inside resolved, `includedFiles` attached. Records are
 * Ocean's: `{organization, content, repository, branch, path, name, metadata, __base_jq}`.
 */
export function fileKind(context: KindContext): ResyncHandler {
  return (request) => {
    const patterns = patternsOf(request.kind, 'files', request.selector['files'] ?? []);
    const extra = (request.selector['includedFiles'] as string[] | undefined) ?? [];
    return perTarget(context, request, patterns, async function* (target, tree, call) {
      const repoName = String(target.repo['name']);
      const full = (await context.client.requestOptional<Json>('GET /repos/{owner}/{repo}', { owner: target.org, repo: repoName }, call)) ?? target.repo;
      const chosen = new Map<string, boolean>();
      for (const pattern of target.patterns) {
        const matches = globMatcher(pattern.path);
        for (const entry of tree) if (entry.type === 'blob' && matches(entry.path)) chosen.set(entry.path, (chosen.get(entry.path) ?? true) && pattern.skipParsing === true);
      }
      const records: Json[] = [];
      for (const [filePath, skipParsing] of chosen) {
        const record = await fileRecord(context, { org: target.org, repo: full, branch: target.branch, filePath, skipParsing }, call);
        if (record === undefined) continue;
        if (extra.length > 0) record['__includedFiles'] = await includedFiles(context, { owner: target.org, repo: repoName, branch: target.branch, basePath: path.dirname(filePath) }, extra, call);
        records.push(record);
        if (records.length === 100) yield records.splice(0);
      }
      if (records.length > 0) yield records;
    });
  };
}

/** One file as a `file` record (also used by live events on push). */
export async function fileRecord(context: KindContext, where: { org: string; repo: Json; branch: string; filePath: string; skipParsing: boolean }, call: CallOptions): Promise<Json | undefined> {
  const repoName = String(where.repo['name']);
  const found = await fileText(context.client, where.org, repoName, where.branch, where.filePath, call);
  if (found === undefined) return undefined;
  let content: unknown = found.text;
  if (!where.skipParsing) {
    content = parseContent(found.text, where.filePath);
    content = await resolveReferences(context, where, content, call);
  }
  return {
    organization: where.org,
    content,
    repository: where.repo,
    branch: where.branch,
    path: where.filePath,
    name: path.basename(where.filePath),
    metadata: { url: `${context.client.apiUrl}/repos/${where.org}/${repoName}/contents/${where.filePath}?ref=${where.branch}`, path: where.filePath, size: found.size },
    __base_jq: '.content',
  };
}

const REFERENCE = 'file://';

/** Values `file://other.yaml` in a parsed file (top-level values, or values of a list's objects) become that file's parsed content. */
async function resolveReferences(context: KindContext, where: { org: string; repo: Json; branch: string; filePath: string }, content: unknown, call: CallOptions): Promise<unknown> {
  const dir = path.dirname(where.filePath);
  const resolve = async (value: unknown): Promise<unknown> => {
    if (typeof value !== 'string' || !value.startsWith(REFERENCE)) return value;
    const target = dir === '.' ? value.slice(REFERENCE.length) : `${dir}/${value.slice(REFERENCE.length)}`;
    const found = await fileText(context.client, where.org, String(where.repo['name']), where.branch, path.normalize(target), call);
    return found === undefined ? '' : parseContent(found.text, target);
  };
  const resolveObject = async (object: Json): Promise<Json> => Object.fromEntries(await Promise.all(Object.entries(object).map(async ([key, value]) => [key, await resolve(value)] as const)));
  if (Array.isArray(content)) return Promise.all(content.map((item) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? resolveObject(item as Json) : item)));
  if (content !== null && typeof content === 'object') return resolveObject(content as Json);
  return content;
}

/**
 * `folder`: folders matching `folders[].path` globs (`*`: top-level folders) in the named
 * repositories (or all), with `includedFiles` (the kind's, relative to the folder).
 * Records: `{folder, __repository, __organization, __branch}`.
 */
export function folderKind(context: KindContext): ResyncHandler {
  return (request) => {
    const patterns = patternsOf(request.kind, 'folders', request.selector['folders'] ?? [], '*');
    const extra = (request.selector['includedFiles'] as string[] | undefined) ?? [];
    return perTarget(context, request, patterns, async function* (target, tree, call) {
      const repoName = String(target.repo['name']);
      const full = (await context.client.requestOptional<Json>('GET /repos/{owner}/{repo}', { owner: target.org, repo: repoName }, call)) ?? target.repo;
      const matchers = target.patterns.map((pattern) => globMatcher(pattern.path));
      const folders = tree.filter((entry) => entry.type === 'tree' && matchers.some((matches) => matches(entry.path)));
      const records: Json[] = [];
      for (const entry of folders) {
        const folder: Json = { path: entry.path, mode: entry.mode, type: entry.type, sha: entry.sha, url: entry.url };
        const record: Json = { folder, __repository: full, __organization: target.org, __branch: target.branch };
        if (extra.length > 0) record['__includedFiles'] = await includedFiles(context, { owner: target.org, repo: repoName, branch: target.branch, basePath: entry.path }, extra, call);
        records.push(record);
      }
      for (let index = 0; index < records.length; index += 100) yield records.slice(index, index + 100);
    });
  };
}

export const DEFAULT_SKILL_PATHS = ['.agents/skills/**/SKILL.md', '.agent/skills/**/SKILL.md', '.cursor/skills/**/SKILL.md', '.claude/skills/**/SKILL.md', '.codex/skills/**/SKILL.md', '.github/skills/**/SKILL.md', '.opencode/skills/**/SKILL.md', 'skills/**/SKILL.md'];

/** A compact repository, as skill and plugin records carry it. */
export const compactRepository = (repo: Json): Json => ({ name: repo['name'], full_name: repo['full_name'], html_url: repo['html_url'], default_branch: repo['default_branch'] });

/**
 * `skill`: agent skills, one per `SKILL.md` matching `paths[].path` (default: the usual agent
 * folders, `skills/**`), its YAML front matter parsed. Records:
 * `{skill: {name, description, instructions, frontmatter, path, skillMdPath, root, blob_sha}, __repository, __branch, __organization}`.
 */
export function skillKind(context: KindContext): ResyncHandler {
  return (request) => {
    const given = request.selector['paths'];
    const patterns = given === undefined || given === null ? DEFAULT_SKILL_PATHS.map((pattern) => ({ path: pattern })) : patternsOf(request.kind, 'paths', given);
    return perTarget(context, request, patterns as PathPattern[], async function* (target, tree, call) {
      const globs = target.patterns.map((pattern) => pattern.path);
      const matchers = globs.map((glob) => globMatcher(glob, { dot: true }));
      const records: Json[] = [];
      for (const entry of tree) {
        if (entry.type !== 'blob' || path.basename(entry.path).toLowerCase() !== 'skill.md' || !matchers.some((matches) => matches(entry.path))) continue;
        const found = await fileText(context.client, target.org, String(target.repo['name']), target.branch, entry.path, call);
        if (found === undefined) continue;
        records.push(skillRecord({ skillMdPath: entry.path, content: found.text, repository: target.repo, branch: target.branch, organization: target.org, globs, blobSha: entry.sha }));
      }
      if (records.length > 0) yield records;
    });
  };
}

export function skillRecord(input: { skillMdPath: string; content: string; repository: Json; branch: string; organization: string; globs: string[]; blobSha?: string | null }): Json {
  const { frontmatter, body } = splitFrontmatter(input.content);
  const dir = path.dirname(input.skillMdPath);
  const name = typeof frontmatter['name'] === 'string' && frontmatter['name'].trim() !== '' ? frontmatter['name'] : path.basename(dir);
  return {
    skill: {
      name,
      description: typeof frontmatter['description'] === 'string' ? frontmatter['description'] : '',
      instructions: body,
      frontmatter,
      path: dir,
      skillMdPath: input.skillMdPath,
      root: skillRoot(input.skillMdPath, input.globs),
      blob_sha: input.blobSha ?? null,
    },
    __repository: compactRepository(input.repository),
    __branch: input.branch,
    __organization: input.organization,
  };
}

function splitFrontmatter(content: string): { frontmatter: Json; body: string } {
  const text = content.replace(/\r\n/g, '\n');
  if (!text.startsWith('---')) return { frontmatter: {}, body: text };
  const parts = text.split('---');
  if (parts.length < 3) return { frontmatter: {}, body: text };
  const raw = parts[1]!.trim();
  const body = parts.slice(2).join('---').replace(/^\n+/, '');
  if (raw === '') return { frontmatter: {}, body };
  try {
    const parsed: unknown = parseYaml(raw);
    return { frontmatter: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : {}, body };
  } catch {
    return { frontmatter: {}, body };
  }
}

/** The configured root a SKILL.md was found under (its glob without `/**\/SKILL.md`). */
function skillRoot(skillMdPath: string, globs: string[]): string {
  for (const glob of globs) {
    if (!globMatcher(glob, { dot: true })(skillMdPath)) continue;
    const root = glob.replace(/^\/+|\/+$/g, '').replace(/(\/?\*\*)?\/?SKILL\.md$/i, '').replace(/\/+$/, '');
    if (root !== '') return root;
  }
  const dir = path.dirname(skillMdPath);
  const parent = path.dirname(dir);
  return parent === '.' || parent === '' ? dir : parent;
}

const PLUGIN_PROVIDERS = ['claude', 'cursor', 'codex', 'agents', 'kimi', 'opencode', 'pi', 'antigravity'] as const;
type PluginProvider = (typeof PLUGIN_PROVIDERS)[number];
const MANIFESTS: Partial<Record<PluginProvider, string[]>> = {
  claude: ['.claude-plugin/plugin.json', '.claude-plugin/marketplace.json'],
  cursor: ['.cursor-plugin/plugin.json'],
  codex: ['.codex-plugin/plugin.json'],
  agents: ['.agents/plugins/marketplace.json'],
  kimi: ['.kimi-plugin/plugin.json'],
  antigravity: ['gemini-extension.json'],
};
const DIRECTORY_MARKERS: Partial<Record<PluginProvider, string>> = { opencode: '.opencode/plugins/', pi: '.pi/extensions/' };

/**
 * `plugin`: agent plugins, one per repository that ships a manifest of one of `providers`
 * (default all: Claude, Cursor, Codex, agents marketplace, Kimi, Antigravity; OpenCode and Pi by
 * folder), merged into `{plugin: {name, displayName, description, version, supports, <provider>...}, __repository, __branch, __organization}`.
 */
export function pluginKind(context: KindContext): ResyncHandler {
  return (request) => {
    const providersValue = request.selector['providers'];
    if (providersValue !== undefined && (!Array.isArray(providersValue) || providersValue.some((item) => !PLUGIN_PROVIDERS.includes(item)))) {
      throw new SelectorError(`selector.providers of kind "${request.kind}" must be a list of ${PLUGIN_PROVIDERS.join(', ')}`);
    }
    const providers = (providersValue as PluginProvider[] | undefined) ?? [...PLUGIN_PROVIDERS];
    const repos = repoBranchList(request.kind, 'repos', request.selector['repos']);
    const organization = request.selector['organization'] as string | undefined;
    const patterns: PathPattern[] = [{ path: '**', organization, repos }];
    return perTarget(context, request, patterns, async function* (target, tree, call) {
      const record = await pluginRecord(context, target.org, target.repo, target.branch, tree, providers, call);
      if (record !== undefined) yield [record];
    });
  };
}

export async function pluginRecord(context: KindContext, org: string, repo: Json, branch: string, tree: TreeEntry[], providers: readonly string[], call: CallOptions): Promise<Json | undefined> {
  const paths = new Set(tree.map((entry) => entry.path));
  const manifests: Record<string, Json> = {};
  for (const provider of providers as PluginProvider[]) {
    for (const manifest of MANIFESTS[provider] ?? []) {
      if (!paths.has(manifest)) continue;
      const found = await fileText(context.client, org, String(repo['name']), branch, manifest, call);
      const parsed = found === undefined ? undefined : parseContent(found.text, manifest);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) manifests[manifest] = parsed as Json;
    }
  }
  const directories = new Set((providers as PluginProvider[]).filter((provider) => DIRECTORY_MARKERS[provider] && [...paths].some((entry) => entry.startsWith(DIRECTORY_MARKERS[provider]!) || entry === DIRECTORY_MARKERS[provider]!.slice(0, -1))));
  const plugin = normalisePlugin(repo, manifests, providers, directories);
  return plugin === undefined ? undefined : { plugin, __repository: compactRepository(repo), __branch: branch, __organization: org };
}

function normalisePlugin(repo: Json, manifests: Record<string, Json>, providers: readonly string[], directories: Set<string>): Json | undefined {
  const of = (file: string): Json => manifests[file] ?? {};
  let claude = of('.claude-plugin/plugin.json');
  const claudeMarket = of('.claude-plugin/marketplace.json');
  const cursor = of('.cursor-plugin/plugin.json');
  const codex = of('.codex-plugin/plugin.json');
  const agentsMarket = of('.agents/plugins/marketplace.json');
  const kimi = of('.kimi-plugin/plugin.json');
  const antigravity = of('gemini-extension.json');
  const has = (value: Json) => Object.keys(value).length > 0;
  const supports = {
    claude: (has(claude) || has(claudeMarket)) && providers.includes('claude'),
    cursor: has(cursor) && providers.includes('cursor'),
    codex: has(codex) && providers.includes('codex'),
    agents: has(agentsMarket) && providers.includes('agents'),
    kimi: has(kimi) && providers.includes('kimi'),
    opencode: directories.has('opencode') && providers.includes('opencode'),
    pi: directories.has('pi') && providers.includes('pi'),
    antigravity: has(antigravity) && providers.includes('antigravity'),
  };
  if (!Object.values(supports).some(Boolean)) return undefined;
  const text = (source: Json, ...keys: string[]): string | undefined => keys.map((key) => source[key]).find((value): value is string => typeof value === 'string' && value.trim() !== '');
  const marketplaceName = text(claudeMarket, 'name') ?? text(agentsMarket, 'name');
  const marketPlugins = claudeMarket['plugins'];
  if (!has(claude) && Array.isArray(marketPlugins) && marketPlugins[0] && typeof marketPlugins[0] === 'object') claude = marketPlugins[0] as Json;
  const agentPlugins = agentsMarket['plugins'];
  const agentsPluginName = Array.isArray(agentPlugins) && agentPlugins[0] && typeof agentPlugins[0] === 'object' ? text(agentPlugins[0] as Json, 'name') : undefined;
  const name = text(cursor, 'name') ?? text(claude, 'name') ?? text(codex, 'name') ?? text(kimi, 'name') ?? text(antigravity, 'name') ?? agentsPluginName ?? String(repo['name'] ?? '');
  const agentsInterface = agentsMarket['interface'];
  const displayName = text(cursor, 'displayName', 'display_name') ?? (agentsInterface && typeof agentsInterface === 'object' ? text(agentsInterface as Json, 'displayName', 'display_name') : undefined) ?? name;
  const description = text(cursor, 'description') ?? text(claude, 'description') ?? text(codex, 'description') ?? text(kimi, 'description') ?? text(antigravity, 'description') ?? text(claudeMarket, 'description') ?? '';
  const version = text(cursor, 'version') ?? text(claude, 'version') ?? text(codex, 'version') ?? text(kimi, 'version') ?? text(antigravity, 'version') ?? null;
  return {
    name,
    displayName,
    description,
    version,
    supports,
    claude: supports.claude ? { ...claude, name: text(claude, 'name') ?? name, marketplaceName: has(claudeMarket) ? (marketplaceName ?? null) : null, marketplace: has(claudeMarket) ? claudeMarket : null } : {},
    cursor: supports.cursor ? cursor : {},
    codex: supports.codex ? codex : {},
    agents: supports.agents ? { ...agentsMarket, name: agentsPluginName ?? name, marketplaceName: text(agentsMarket, 'name') ?? null } : {},
    kimi: supports.kimi ? kimi : {},
    opencode: supports.opencode ? { detected: true } : {},
    pi: supports.pi ? { detected: true } : {},
    antigravity: supports.antigravity ? antigravity : {},
  };
}
