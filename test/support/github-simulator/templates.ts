import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real GitHub objects the simulator builds its records from: Ocean's captured records in the
 * corpus (repositories, pull requests, issues, workflows, ...; their `__` enrichment keys
 * removed) and the examples of GitHub's own OpenAPI document (releases, tags, deployments,
 * hooks, ...). Builders clone a template and rewrite its names, ids and URLs, so every answer
 * has GitHub's full shape.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const corpusDir = path.join(repoRoot, 'test/fixtures/ocean-corpus/github');
export const openapiFile = path.join(repoRoot, 'node_modules/@octokit/openapi/generated/api.github.com.json');

export type Json = Record<string, any>;

function withoutEnrichment(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('__')));
}

export function corpusSample(kind: string, name = 'a'): Json {
  return JSON.parse(readFileSync(path.join(corpusDir, 'samples/port-examples', kind, `${name}.json`), 'utf8')) as Json;
}

let openapi: Json | undefined;
/** GitHub's OpenAPI document (13 MB), parsed once per process. */
export function openapiDocument(): Json {
  openapi ??= JSON.parse(readFileSync(openapiFile, 'utf8')) as Json;
  return openapi;
}

export function openapiExample(name: string): any {
  const example = openapiDocument()['components']['examples'][name];
  if (example === undefined) throw new Error(`no OpenAPI example "${name}"`);
  return structuredClone(example.value);
}

interface TemplateSet {
  repository: Json;
  pullRequest: Json;
  issue: Json;
  workflow: Json;
  workflowRun: Json;
  branch: Json;
  collaborator: Json;
  dependabotAlert: Json;
  codeScanningAlert: Json;
  environment: Json;
  team: Json;
  release: Json;
  tag: Json;
  deployment: Json;
  deploymentStatus: Json;
  organization: Json;
  hook: Json;
  user: Json;
}

let templates: TemplateSet | undefined;

export function templateSet(): TemplateSet {
  templates ??= {
    repository: withoutEnrichment(corpusSample('repository', 'a')),
    pullRequest: withoutEnrichment(corpusSample('pull-request', 'a')),
    issue: withoutEnrichment(corpusSample('issue', 'd')),
    workflow: withoutEnrichment(corpusSample('workflow', 'a')),
    workflowRun: withoutEnrichment(corpusSample('workflow-run', 'b')),
    branch: withoutEnrichment(corpusSample('branch', 'a')),
    collaborator: withoutEnrichment(corpusSample('collaborator', 'a')),
    dependabotAlert: withoutEnrichment(corpusSample('dependabot-alert', 'a')),
    codeScanningAlert: withoutEnrichment(corpusSample('code-scanning-alerts', 'a')),
    environment: withoutEnrichment(corpusSample('environment', 'a')),
    team: withoutEnrichment(corpusSample('team', 'b')),
    release: openapiExample('release'),
    tag: openapiExample('tag-items')[0],
    deployment: openapiExample('deployment'),
    deploymentStatus: openapiExample('deployment-status'),
    organization: openapiExample('organization-full'),
    hook: openapiExample('org-hook'),
    user: openapiExample('simple-user-items')[0],
  };
  return templates;
}

/** A deep copy of `value` with every string's `from` substrings replaced by `to`, in order. */
export function rewrite<T>(value: T, replacements: readonly (readonly [string, string])[]): T {
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      let out = node;
      for (const [from, to] of replacements) if (out.includes(from)) out = out.split(from).join(to);
      return out;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item)]));
    return node;
  };
  return visit(value) as T;
}
