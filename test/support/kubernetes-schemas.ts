/**
 * Checks Kubernetes manifests against the API's schemas, two ways:
 * - kubernetes-models' validators (the OpenAPI schemas of the Kubernetes API, the Prometheus
 *   operator's ServiceMonitor and Argo CD's Application): required fields, types, formats, enums;
 * - TypeScript's excess-property check against the same packages' types, which catches what
 *   the OpenAPI schemas let through: a misspelled or misplaced field (`spec.portz`), as
 *   `kubectl apply --validate=strict` would.
 */
import path from 'node:path';
import ts from 'typescript';
import * as argo from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import { repoRoot } from './helm.js';

type ModelClass = new (data: unknown) => { validate(): void };

/** apiVersion -> [module specifier for types, runtime models]. */
const GROUPS: Record<string, { types: string; models: Record<string, unknown> }> = {
  v1: { types: 'kubernetes-models/v1', models: core },
  'apps/v1': { types: 'kubernetes-models/apps/v1', models: apps },
  'batch/v1': { types: 'kubernetes-models/batch/v1', models: batch },
  'networking.k8s.io/v1': { types: 'kubernetes-models/networking.k8s.io/v1', models: networking },
  'policy/v1': { types: 'kubernetes-models/policy/v1', models: policy },
  'monitoring.coreos.com/v1': { types: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1', models: monitoring },
  'argoproj.io/v1alpha1': { types: '@kubernetes-models/argo-cd/argoproj.io/v1alpha1', models: argo },
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}

function describe(object: Manifest): string {
  return `${object.kind} ${object.metadata?.name ?? '(unnamed)'}`;
}

/** Validates each manifest with its kubernetes-models class; returns every problem found. */
export function schemaProblems(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const group = GROUPS[object.apiVersion];
    const Model = group?.models[object.kind] as ModelClass | undefined;
    if (Model === undefined) {
      problems.push(`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Type-checks each manifest as an object literal of its kind's interface (`IStatefulSet`, ...),
 * so unknown fields are errors. Returns TypeScript's messages, naming the manifest.
 */
export function unknownFieldProblems(objects: readonly Manifest[]): string[] {
  const lines: string[] = [];
  const imports = new Map<string, Set<string>>();
  objects.forEach((object, index) => {
    const group = GROUPS[object.apiVersion];
    if (group === undefined) return;
    const names = imports.get(group.types) ?? new Set<string>();
    names.add(`I${object.kind}`);
    imports.set(group.types, names);
    lines.push(`// ${describe(object)}`, `export const manifest${index}: I${object.kind}_${aliasOf(group.types)} = ${JSON.stringify(object, null, 1)};`);
  });
  const header = [...imports].map(([specifier, names]) => `import type { ${[...names].map((name) => `${name} as ${name}_${aliasOf(specifier)}`).join(', ')} } from '${specifier}';`);
  const source = [...header, ...lines].join('\n');
  // Beside the repository's node_modules so the packages resolve; never written to disk.
  const file = path.join(repoRoot, 'test', '__manifests-check__.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = ((exists) => (name: string) => name === file || exists(name))(host.fileExists.bind(host));
  host.readFile = (name) => (name === file ? source : readFile(name));
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language, true) : getSourceFile(name, language, ...rest));
  const program = ts.createProgram([file], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((diagnostic) => diagnostic.file?.fileName === file);
  return diagnostics.map((diagnostic) => {
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const sourceLines = source.split('\n');
    // The nearest "// Kind name" comment above names the manifest.
    let at = line;
    while (at > 0 && !sourceLines[at]!.startsWith('// ')) at--;
    return `${sourceLines[at]!.slice(3)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')} (near: ${sourceLines[line]!.trim()})`;
  });
}

function aliasOf(specifier: string): string {
  return specifier.replace(/[^A-Za-z0-9]/g, '_');
}

/** Both checks; an empty list means every manifest is valid. */
export function kubernetesProblems(objects: readonly Manifest[]): string[] {
  return [...schemaProblems(objects), ...unknownFieldProblems(objects)];
}
