import path from 'node:path/posix';
import picomatch from 'picomatch';
import { parseAllDocuments } from 'yaml';
import type { CallOptions, GithubClient } from '../client/github-client.js';
import type { Json } from './context.js';

/**
 * Reading a repository's files: the recursive tree of a branch (one request, 304 when nothing
 * changed) and file contents through the contents API (also conditional), with Ocean's parsing
 * (JSON and YAML files become objects unless `skipParsing`).
 */

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
  url: string;
}

/** The tree of `branch`, or [] for an empty repository (409) or a missing branch (404). */
export async function repositoryTree(client: GithubClient, owner: string, repo: string, branch: string, call: CallOptions): Promise<TreeEntry[]> {
  try {
    const response = await client.request<{ tree: TreeEntry[]; truncated?: boolean }>('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { owner, repo, tree_sha: branch, recursive: '1' }, call);
    return response.data.tree ?? [];
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 409 || status === 404) return [];
    throw error;
  }
}

/** A file's text, or undefined when it does not exist on that branch. */
export async function fileText(client: GithubClient, owner: string, repo: string, branch: string | undefined, filePath: string, call: CallOptions): Promise<{ text: string; size: number; sha: string } | undefined> {
  const file = await client.requestOptional<Json>('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path: filePath, ...(branch ? { ref: branch } : {}) }, call);
  if (file === undefined || Array.isArray(file) || file['type'] !== 'file' || typeof file['content'] !== 'string') return undefined;
  const text = file['encoding'] === 'base64' ? Buffer.from(String(file['content']).replace(/\n/g, ''), 'base64').toString('utf8') : String(file['content']);
  return { text, size: Number(file['size'] ?? Buffer.byteLength(text)), sha: String(file['sha'] ?? '') };
}

/** Ocean's parsing: `.json` as JSON, `.yaml`/`.yml` as YAML (several documents: a list), other files as text. */
export function parseContent(text: string, filePath: string): unknown {
  const extension = path.extname(filePath).toLowerCase();
  try {
    if (extension === '.json') return JSON.parse(text);
    if (extension === '.yaml' || extension === '.yml') {
      const documents = parseAllDocuments(text).map((document) => document.toJSON());
      return documents.length === 1 ? documents[0] : documents;
    }
  } catch {
    return text;
  }
  return text;
}

/** Ocean's glob matching (wcmatch GLOBSTAR | IGNORECASE): `**` crosses folders, case does not matter. */
export function globMatcher(pattern: string, options: { dot?: boolean } = {}): (candidate: string) => boolean {
  const matcher = picomatch(pattern.replace(/^\/+/, ''), { nocase: true, dot: options.dot ?? false });
  return (candidate) => matcher(candidate);
}

/** A repository-relative path for `requested`, relative to `basePath` (Ocean's includedFiles rules). */
export function resolveIncludedPath(requested: string, basePath: string): string {
  const clean = requested.replace(/^\/+/, '');
  const base = basePath.replace(/^\/+|\/+$/g, '');
  if (base === '' || base === '.') return clean;
  if (clean.startsWith(`${base}/`)) return clean;
  return path.join(base, clean);
}
