/**
 * Renders the Helm chart as `helm template` would, with test/support/helm-render (Go's
 * text/template and sprig, Helm's engine). Helm cannot be installed on the build machines;
 * Go and sprig come from Debian (.ci/run installs golang-go, golang-github-masterminds-sprig-dev
 * and golang-github-ghodss-yaml-dev). The renderer is built once into node_modules/.cache.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = path.join(repoRoot, 'charts', 'marina');
const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'marina-helm-render');
const binary = path.join(cacheDir, 'helm-render');

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, ...(cwd ? { cwd } : {}), maxBuffer: 32 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() + (error && typeof error.code !== 'number' ? error.message : '') });
    });
  });
}

let building: Promise<string> | undefined;

/** Builds the renderer (once per machine until node_modules is reinstalled); resolves its path. */
export function helmRenderer(): Promise<string> {
  building ??= (async () => {
    if (existsSync(binary)) return binary;
    mkdirSync(cacheDir, { recursive: true });
    // GOPATH mode over Debian's Go sources: offline, no module proxy.
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? cacheDir,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOCACHE: path.join(cacheDir, 'go-build'),
      GOFLAGS: '',
      GOPROXY: 'off',
      CGO_ENABLED: '0',
    };
    const partial = `${binary}.${process.pid}`;
    const built = await run('go', ['build', '-o', partial, 'main.go'], env, path.join(repoRoot, 'test', 'support', 'helm-render'));
    if (built.code !== 0) {
      throw new Error(
        `Cannot build test/support/helm-render (needs Debian's golang-go, golang-github-masterminds-sprig-dev and golang-github-ghodss-yaml-dev; .ci/run installs them):\n${built.stderr}`,
      );
    }
    renameSync(partial, binary);
    return binary;
  })();
  return building;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

export interface Rendered {
  /** Every manifest, in template order. */
  objects: K8sObject[];
  /** The renderer's output as is. */
  text: string;
}

export interface RenderOptions {
  /** Values files, applied over values.yaml in order. */
  values?: string[];
  releaseName?: string;
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  chart?: string;
}

function renderArgs(options: RenderOptions): string[] {
  const args = ['-chart', options.chart ?? chartDir, '-name', options.releaseName ?? 'marina', '-namespace', options.namespace ?? 'marina', '-kube-version', options.kubeVersion ?? '1.30.0'];
  for (const file of options.values ?? []) args.push('-f', file);
  for (const api of options.apiVersions ?? []) args.push('-api-versions', api);
  return args;
}

/** Renders the chart; rejects with the renderer's message when a template fails. */
export async function renderChart(options: RenderOptions = {}): Promise<Rendered> {
  const result = await run(await helmRenderer(), renderArgs(options), { PATH: process.env['PATH'] ?? '' });
  if (result.code !== 0) throw new Error(result.stderr.trim());
  const objects: K8sObject[] = [];
  for (const document of parseAllDocuments(result.stdout)) {
    if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors.map((error) => error.message).join('; ')}\n${result.stdout}`);
    const value = document.toJS() as K8sObject | null;
    if (value !== null) objects.push(value);
  }
  return { objects, text: result.stdout };
}
