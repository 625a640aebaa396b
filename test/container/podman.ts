import { execFile } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman ARGS`; rejects with its output unless it exits 0 (or `allowFailure`). */
export function podman(args: string[], options: { allowFailure?: boolean; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const result = { code, stdout: stdout.toString(), stderr: stderr.toString() };
      if (code !== 0 && !options.allowFailure) {
        reject(new Error(`podman ${args.join(' ')} exited ${String(error?.code ?? code)}:\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-4000)}`));
      } else resolve(result);
    });
  });
}

/** Fails with what to do when podman is not installed, instead of a bare ENOENT. */
export async function requirePodman(): Promise<void> {
  try {
    await podman(['--version']);
  } catch (error) {
    throw new Error(
      `The container test needs podman (or a podman-compatible CLI) and the node:20-bookworm-slim base image. ` +
        `Install podman; offline, .ci/run provisions both. (${(error as Error).message})`,
    );
  }
}

/**
 * Mounts that let `npm ci` inside a build step trust the same extra CA as this machine (egress
 * through a TLS-intercepting proxy): the CA bundle and an npmrc pointing at it. Nothing is
 * baked into the image. None when the machine trusts no extra CA.
 */
export function caBuildMounts(workDir: string, npmCafile: string | undefined): string[] {
  const candidates = [process.env['NODE_EXTRA_CA_CERTS'], npmCafile].filter((file): file is string => typeof file === 'string' && file !== '' && file !== 'null' && file !== 'undefined');
  const ca = candidates.find((file) => {
    try {
      accessSync(file, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (ca === undefined) return [];
  const npmrc = path.join(workDir, 'npmrc');
  writeFileSync(npmrc, 'cafile=/etc/ssl/certs/host-ca.crt\n');
  return ['-v', `${ca}:/etc/ssl/certs/host-ca.crt:ro`, '-v', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

/** npm's configured `cafile`, if any. */
export function npmCafile(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('npm', ['config', 'get', 'cafile'], { timeout: 30_000 }, (error, stdout) => resolve(error ? undefined : stdout.toString().trim()));
  });
}
