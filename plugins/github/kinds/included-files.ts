import type { CallOptions } from '../client/github-client.js';
import type { KindContext } from './context.js';
import { fileText, resolveIncludedPath } from './repo-content.js';

/**
 * Ocean's `includedFiles` enrichment: each requested path's text (or null when missing), keyed
 * by the path as written, under `__includedFiles`. Paths are relative to `basePath` (a
 * folder's or a file's directory; the repository root for repositories).
 */
export async function includedFiles(
  context: KindContext,
  where: { owner: string; repo: string; branch: string; basePath: string },
  requested: readonly string[],
  call: CallOptions,
): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  await Promise.all(
    [...new Set(requested)].map(async (file) => {
      const found = await fileText(context.client, where.owner, where.repo, where.branch, resolveIncludedPath(file, where.basePath), call);
      out[file] = found?.text ?? null;
    }),
  );
  // Keep the order of the selector.
  return Object.fromEntries(requested.map((file) => [file, out[file] ?? null]));
}
