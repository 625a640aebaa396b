/**
 * The Helm chart (charts/marina), rendered by Helm's template engine (test/support/helm.ts) for
 * the default values, a sharded install and every optional part; each rendered object is
 * checked against the Kubernetes API schemas, and values.schema.json with ajv.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, stringify } from 'yaml';
import { hostConfigSchema, EVENT_LISTENER_TYPES, IDENTIFIER_PATTERN } from '../../src/config/host-config-schema.js';
import { parseHostConfig, type HostConfig } from '../../src/config/host-config.js';
import { selectShard, shardOfIdentifier } from '../../src/config/shard.js';
import { chartDir, renderChart, repoRoot, type K8sObject } from '../support/helm.js';
import { kubernetesProblems } from '../support/kubernetes-schemas.js';

const work = mkdtempSync(path.join(tmpdir(), 'marina-chart-'));
const ciValues = (name: string) => path.join(chartDir, 'ci', name);

function valuesFile(name: string, values: unknown): string {
  const file = path.join(work, name);
  writeFileSync(file, stringify(values));
  return file;
}

function only(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}: ${found.map((o) => o.metadata.name).join(', ')}`);
  return found[0] as K8sObject;
}

/**
 * The rendered marina.yaml, read by Marina's own config loader. The container's plugin
 * directories do not exist here, so they are pointed at this checkout's before parsing.
 */
function renderedHostConfig(objects: K8sObject[], env: Record<string, string> = {}): HostConfig {
  const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name.endsWith('-config')) as K8sObject;
  const text = (configMap['data']['marina.yaml'] as string).replace('[/plugins, /app/plugins]', `["${path.join(repoRoot, 'plugins')}"]`);
  return parseHostConfig(text, path.join(work, 'marina.yaml'), env, { pluginDirectories: [], dataDir: work });
}

/** Helm's coalescing of values files over values.yaml: maps merge, null deletes, the rest replaces. */
function mergeValues(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isMap(out[key]) && isMap(value)) out[key] = mergeValues(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}
const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const readValues = (file: string) => (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
const defaults = readValues(path.join(chartDir, 'values.yaml'));

const validateValues = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as object);
function schemaErrors(values: unknown): string[] {
  if (validateValues(values)) return [];
  return (validateValues.errors ?? []).map((error: ErrorObject) => {
    const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params['additionalProperty'])})` : '';
    return `${error.instancePath} ${error.message ?? ''}${extra}`.trim();
  });
}

describe('the chart with its default values', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    ({ objects } = await renderChart());
  }, 120_000);

  it('renders valid Kubernetes objects: config, service account, services and one StatefulSet pod', () => {
    expect(kubernetesProblems(objects)).toEqual([]);
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/marina-config',
      'Service/marina',
      'Service/marina-headless',
      'ServiceAccount/marina',
      'StatefulSet/marina',
    ]);
  }, 120_000);

  it('would notice a misplaced field or a wrong type (the checks can fail)', () => {
    const broken = structuredClone(only(objects, 'StatefulSet'));
    broken['spec']['replicas'] = 'one';
    broken['spec']['template']['spec']['containers'][0]['securityContexts'] = { runAsNonRoot: true };
    const problems = kubernetesProblems([broken]);
    expect(problems.join('\n')).toContain('StatefulSet marina: data/spec/replicas must be integer');
    expect(problems.join('\n')).toMatch(/StatefulSet marina: .*'"securityContexts"' does not exist in type 'IContainer'/);
  }, 120_000);

  it('runs the image non-root, read-only, without capabilities, with probes, resources and a data volume', () => {
    const statefulSet = only(objects, 'StatefulSet');
    const pod = statefulSet['spec']['template']['spec'];
    const container = pod.containers[0];
    expect(statefulSet['spec']['replicas']).toBe(1);
    expect(container.image).toBe('marina:0.1.0');
    expect(container.args).toEqual(['start', '--config', '/etc/marina/marina.yaml']);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    // Marina's deadline (25 s) plus room: the kubelet's SIGKILL never cuts the graceful stop.
    expect(pod.terminationGracePeriodSeconds).toBe(40);
    expect(container.env).toBeUndefined();
    const mounts = Object.fromEntries(container.volumeMounts.map((mount: { name: string; mountPath: string }) => [mount.mountPath, mount.name]));
    expect(mounts).toEqual({ '/etc/marina': 'config', '/data': 'data', '/tmp': 'tmp', '/plugins': 'plugins' });
    expect(statefulSet['spec']['volumeClaimTemplates']).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'data' }), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }),
    ]);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('writes a host config Marina accepts: every interface, /data, /plugins first, the embedded Port', () => {
    const config = renderedHostConfig(objects);
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8000 });
    expect(config.dataDir).toBe('/data');
    expect(config.port).toBeUndefined();
    expect(config.shutdown.timeoutSeconds).toBe(25);
    expect(config.integrations).toEqual([]);
    expect(only(objects, 'ConfigMap')['data']['marina.yaml']).toContain('directories: [/plugins, /app/plugins]');
  });
});

describe('a sharded install (ci/sharded-values.yaml)', () => {
  let objects: K8sObject[];
  let config: HostConfig;
  beforeAll(async () => {
    ({ objects } = await renderChart({ values: [ciValues('sharded-values.yaml')] }));
    config = renderedHostConfig(objects, { PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 'secret', GITHUB_ACME_WEBHOOK_SECRET: 'hook' });
  }, 120_000);

  it('renders valid Kubernetes objects: a StatefulSet of 3 pods, one Service per shard, an Ingress', () => {
    expect(kubernetesProblems(objects)).toEqual([]);
    expect(only(objects, 'StatefulSet')['spec']['replicas']).toBe(3);
    expect(objects.filter((object) => object.kind === 'Service').map((object) => object.metadata.name)).toEqual(['marina-headless', 'marina-shard-0', 'marina-shard-1', 'marina-shard-2']);
    for (const index of [0, 1, 2]) {
      expect(only(objects, 'Service', `marina-shard-${index}`)['spec']['selector']).toEqual({
        'app.kubernetes.io/name': 'marina',
        'app.kubernetes.io/instance': 'marina',
        'statefulset.kubernetes.io/pod-name': `marina-${index}`,
      });
    }
  }, 120_000);

  it('tells pod i that it is shard i of 3 (from the pod-index label), with Port credentials from the Secret', () => {
    const env = only(objects, 'StatefulSet')['spec']['template']['spec']['containers'][0]['env'] as Record<string, any>[];
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'MARINA_POD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
        { name: 'MARINA_SHARD', value: '$(MARINA_POD_INDEX)/3' },
        { name: 'PORT_CLIENT_ID', valueFrom: { secretKeyRef: { name: 'marina-port-credentials', key: 'clientId' } } },
        { name: 'PORT_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'marina-port-credentials', key: 'clientSecret' } } },
        { name: 'MARINA_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'marina-admin', key: 'token' } } },
      ]),
    );
    // $(MARINA_POD_INDEX) expands only from variables defined before it.
    expect(env.findIndex((variable) => variable['name'] === 'MARINA_POD_INDEX')).toBeLessThan(env.findIndex((variable) => variable['name'] === 'MARINA_SHARD'));
    const text = only(objects, 'ConfigMap')['data']['marina.yaml'] as string;
    expect(text).toContain('clientId: ${PORT_CLIENT_ID}');
    expect(text).toContain('clientSecret: ${PORT_CLIENT_SECRET}');
    expect(config.port).toEqual({ baseUrl: 'https://api.getport.io', clientId: 'id', clientSecret: 'secret' });
  });

  it("routes each integration's webhook paths to the shard Marina runs it on, and nothing else", () => {
    const ingress = only(objects, 'Ingress');
    const paths = ingress['spec']['rules'][0]['http']['paths'] as { path: string; pathType: string; backend: { service: { name: string; port: { number: number } } } }[];
    const routed = Object.fromEntries(paths.map((entry) => [entry.path, entry.backend.service.name]));
    const expected: Record<string, string> = {};
    for (const index of [0, 1, 2]) {
      for (const integration of selectShard(config, { index, count: 3 }).integrations) expected[`/integrations/${integration.identifier}`] = `marina-shard-${index}`;
    }
    expect(Object.keys(expected)).toHaveLength(8);
    expect(routed).toEqual(expected);
    expect(routed['/integrations/datadog']).toBe('marina-shard-2'); // pinned with `shard: 2`
    expect(new Set(Object.values(routed)).size).toBe(3);
    for (const entry of paths) expect(entry).toMatchObject({ pathType: 'Prefix', backend: { service: { port: { number: 80 } } } });
    expect(ingress['spec']['tls']).toEqual([{ secretName: 'marina-tls', hosts: ['marina.example.com'] }]);
  });

  it("computes the same shard as Marina for any identifier (the chart's copy of the hash)", async () => {
    const identifiers = Array.from({ length: 64 }, (_, index) => `integration-${index}.${'x'.repeat(index % 7)}_${index * 7919}`);
    const file = valuesFile('many.yaml', { shards: 5, ingress: { enabled: true }, integrations: identifiers.map((identifier) => ({ identifier, type: 'fake' })) });
    const { objects: many } = await renderChart({ values: [file] });
    const paths = only(many, 'Ingress')['spec']['rules'][0]['http']['paths'] as { path: string; backend: { service: { name: string } } }[];
    expect(paths.map((entry) => [entry.path, entry.backend.service.name])).toEqual(identifiers.map((identifier) => [`/integrations/${identifier}`, `marina-shard-${shardOfIdentifier(identifier, 5)}`]));
  }, 60_000);
});

describe('every optional part (ci/full-values.yaml)', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    ({ objects } = await renderChart({ values: [ciValues('full-values.yaml')], apiVersions: ['monitoring.coreos.com/v1'] }));
  }, 120_000);

  it('renders valid Kubernetes objects, ServiceMonitor, PodDisruptionBudget and NetworkPolicy included', () => {
    expect(kubernetesProblems(objects)).toEqual([]);
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/marina-prod-config',
      'Ingress/marina-prod',
      'NetworkPolicy/marina-prod',
      'PodDisruptionBudget/marina-prod',
      'Service/marina-prod',
      'Service/marina-prod-headless',
      'ServiceAccount/marina-runner',
      'ServiceMonitor/marina-prod',
      'StatefulSet/marina-prod',
    ]);
    expect(only(objects, 'ServiceMonitor')['spec']['selector']['matchLabels']).toMatchObject({ 'app.kubernetes.io/component': 'headless' });
    expect(only(objects, 'Service', 'marina-prod-headless').metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'headless' });
    expect(only(objects, 'NetworkPolicy')['spec']['policyTypes']).toEqual(['Ingress', 'Egress']);
  }, 120_000);

  it('copies plugins from an image into the /plugins volume without hiding the source, and mounts plugin ConfigMaps', () => {
    const pod = only(objects, 'StatefulSet')['spec']['template']['spec'];
    const [init] = pod.initContainers;
    expect(init.command).toEqual(['cp', '-R', '/plugins/.', '/marina-plugins/']);
    expect(init.volumeMounts).toEqual([{ name: 'plugins', mountPath: '/marina-plugins' }]);
    const mounts = pod.containers[0].volumeMounts as { name: string; mountPath: string }[];
    expect(mounts).toEqual(expect.arrayContaining([{ name: 'plugins', mountPath: '/plugins' }, { name: 'plugin-acme', mountPath: '/plugins/acme', readOnly: true }, { name: 'mappings', mountPath: '/etc/marina-mappings', readOnly: true }]));
    const volumes = Object.fromEntries((pod.volumes as { name: string }[]).map((volume) => [volume.name, volume]));
    expect(volumes['plugin-acme']).toEqual({ name: 'plugin-acme', configMap: { name: 'marina-plugin-acme', items: [{ key: 'index.mjs', path: 'index.mjs' }, { key: 'spec.yaml', path: '.port/spec.yaml' }] } });
    expect(volumes['data']).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'marina-data' } });
    expect(only(objects, 'StatefulSet')['spec']['volumeClaimTemplates']).toBeUndefined();
    expect(pod.terminationGracePeriodSeconds).toBe(60);
  });
});

describe('values the chart refuses while rendering', () => {
  // Every row has the four columns: jest would take a missing last argument for `done`.
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['an explicit shard beyond the count', { shards: 3, integrations: [{ identifier: 'a', type: 'fake', shard: 3 }] }, 'integrations[0] (a): shard 3 does not exist with shards: 3 (shards are numbered 0 to 2)', '1.30.0'],
    ['a duplicate identifier', { integrations: [{ identifier: 'a', type: 'fake' }, { identifier: 'a', type: 'fake' }] }, 'integrations[1]: duplicate identifier "a"', '1.30.0'],
    ['an existing claim shared by shards', { shards: 2, persistence: { existingClaim: 'data' } }, 'persistence.existingClaim works with shards: 1 only', '1.30.0'],
    ['shards on Kubernetes before 1.28', { shards: 2 }, 'shards > 1 needs Kubernetes 1.28 or later', '1.27.3'],
  ];
  it.each(cases)('%s', async (_name, values, message, kubeVersion) => {
    await expect(renderChart({ values: [valuesFile(`refused-${message.length}.yaml`, values)], kubeVersion })).rejects.toThrow(message);
  });
});

describe('values.schema.json', () => {
  it('accepts the default values and every example values file (merged over the defaults, as Helm checks them)', () => {
    expect(schemaErrors(defaults)).toEqual([]);
    for (const name of readdirSync(path.join(chartDir, 'ci'))) {
      expect({ name, errors: schemaErrors(mergeValues(defaults, readValues(ciValues(name)))) }).toEqual({ name, errors: [] });
    }
    const application = parseYaml(readFileSync(path.join(repoRoot, 'deploy', 'argocd', 'application.yaml'), 'utf8')) as any;
    expect(schemaErrors(mergeValues(defaults, application.spec.source.helm.valuesObject))).toEqual([]);
  });

  const invalidDir = path.join(repoRoot, 'test', 'fixtures', 'chart-values', 'invalid');
  it.each(readdirSync(invalidDir))('refuses %s, saying where', (name) => {
    const text = readFileSync(path.join(invalidDir, name), 'utf8');
    const expected = /^# error: (.*)$/m.exec(text)?.[1] as string;
    const errors = schemaErrors(mergeValues(defaults, parseYaml(text) as Record<string, unknown>));
    expect(errors.join('\n')).toContain(expected);
  });

  it("describes integrations exactly as Marina's host config schema does", () => {
    const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as any;
    const chartIntegration = schema.definitions.integration;
    const marinaIntegration = hostConfigSchema.properties.integrations.items;
    expect(Object.keys(chartIntegration.properties).sort()).toEqual(Object.keys(marinaIntegration.properties).sort());
    expect(Object.keys(chartIntegration.properties.eventListener.properties).sort()).toEqual(Object.keys(marinaIntegration.properties.eventListener.properties).sort());
    expect(chartIntegration.properties.eventListener.properties.type.enum).toEqual([...EVENT_LISTENER_TYPES]);
    expect(schema.definitions.identifier.pattern).toBe(IDENTIFIER_PATTERN);
    expect(chartIntegration.properties.type.pattern).toBe(marinaIntegration.properties.type.pattern);
  });
});
