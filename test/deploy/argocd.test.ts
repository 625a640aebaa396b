/**
 * deploy/argocd/application.yaml: a valid Argo CD Application whose Helm values install the
 * chart (rendered and checked as Argo CD's `helm template` would produce it).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { renderChart, repoRoot } from '../support/helm.js';
import { kubernetesProblems } from '../support/kubernetes-schemas.js';

const application = parseYaml(readFileSync(path.join(repoRoot, 'deploy', 'argocd', 'application.yaml'), 'utf8')) as any;

describe('the Argo CD Application example', () => {
  it('is a valid argoproj.io/v1alpha1 Application pointing at the chart in this repository', () => {
    expect(kubernetesProblems([application])).toEqual([]);
    expect(application.spec.source.path).toBe('charts/marina');
    expect(application.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'marina' });
  }, 120_000);

  it('installs a valid sharded release with its values', async () => {
    const values = path.join(mkdtempSync(path.join(tmpdir(), 'marina-argocd-')), 'values.yaml');
    writeFileSync(values, stringify(application.spec.source.helm.valuesObject));
    const { objects } = await renderChart({ values: [values], releaseName: application.spec.source.helm.releaseName, namespace: 'marina', apiVersions: ['monitoring.coreos.com/v1'] });
    expect(kubernetesProblems(objects)).toEqual([]);
    const kinds = objects.map((object) => `${object.kind}/${object.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['StatefulSet/marina', 'Service/marina-shard-2', 'Ingress/marina', 'ServiceMonitor/marina', 'PodDisruptionBudget/marina']));
    const ingress = objects.find((object) => object.kind === 'Ingress')!;
    expect(ingress['spec']['rules'][0]['http']['paths'].map((entry: { path: string }) => entry.path)).toEqual(['/integrations/github-acme', '/integrations/jira-cloud', '/integrations/pagerduty']);
  }, 120_000);
});
