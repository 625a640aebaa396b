/**
 * The Terraform modules (deploy/terraform/*) and their examples. Terraform cannot be installed
 * here, so `terraform validate` does not run; instead every .tf file is parsed with HashiCorp's
 * HCL parser (@cdktf/hcl2json) and the references are checked the way validate would: every
 * variable, local, resource, data source and module output used is declared, every declared
 * variable is used, every module input exists, and each example passes every required input.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { parseHostConfig } from '../../src/config/host-config.js';
import { repoRoot } from '../support/helm.js';

const terraformDir = path.join(repoRoot, 'deploy', 'terraform');
const MODULES = ['aws-ecs', 'azure-container-app'];
/** Arguments every module block takes besides the module's variables. */
const META_ARGUMENTS = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);

type Hcl = Record<string, any>;

interface Configuration {
  dir: string;
  files: string[];
  blocks: Hcl[];
  /** Expression text: every string value except descriptions and messages. */
  expressions: string[];
}

async function readConfiguration(dir: string): Promise<Configuration> {
  const files = readdirSync(dir).filter((name) => name.endsWith('.tf')).sort();
  const blocks: Hcl[] = [];
  for (const name of files) blocks.push(await parseHcl(name, readFileSync(path.join(dir, name), 'utf8')));
  const expressions: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key !== 'description' && key !== 'error_message') expressions.push(value);
    } else if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value !== null && typeof value === 'object') for (const [childKey, child] of Object.entries(value)) walk(child, childKey);
  };
  blocks.forEach((block) => walk(block));
  return { dir, files, blocks, expressions };
}

/** Names declared under a top-level block type (`variable`, `output`, `module`, `locals`...). */
function declared(configuration: Configuration, type: string): Map<string, Hcl> {
  const out = new Map<string, Hcl>();
  for (const block of configuration.blocks) {
    if (type === 'locals') for (const locals of (block['locals'] ?? []) as Hcl[]) for (const [name, value] of Object.entries(locals)) out.set(name, value as Hcl);
    else for (const [name, bodies] of Object.entries((block[type] ?? {}) as Record<string, Hcl[]>)) out.set(name, bodies[0] as Hcl);
  }
  return out;
}

/** `resource` / `data` blocks as "type.name". */
function declaredResources(configuration: Configuration, type: 'resource' | 'data'): Set<string> {
  const out = new Set<string>();
  for (const block of configuration.blocks) for (const [resourceType, named] of Object.entries((block[type] ?? {}) as Hcl)) for (const name of Object.keys(named)) out.add(`${resourceType}.${name}`);
  return out;
}

function references(configuration: Configuration, pattern: RegExp): Set<string> {
  const out = new Set<string>();
  for (const text of configuration.expressions) for (const match of text.matchAll(pattern)) out.add(match.slice(1).join('.'));
  return out;
}

function missing(used: Set<string>, known: Set<string> | Map<string, unknown>): string[] {
  return [...used].filter((name) => !known.has(name)).sort();
}

describe.each(MODULES)('the Terraform module %s', (moduleName) => {
  let module: Configuration;
  beforeAll(async () => {
    module = await readConfiguration(path.join(terraformDir, moduleName));
  });

  it('parses, pins its providers and Terraform version', () => {
    expect(module.files).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']));
    const terraform = module.blocks.flatMap((block) => (block['terraform'] ?? []) as Hcl[])[0] as Hcl;
    expect(terraform['required_version']).toMatch(/^>= 1\./);
    const providers = Object.keys(terraform['required_providers'][0]);
    const resourceProviders = new Set([...declaredResources(module, 'resource'), ...declaredResources(module, 'data')].map((name) => name.split('_')[0]));
    expect([...resourceProviders].sort()).toEqual(providers.sort());
  });

  it('declares every variable it uses, uses every variable it declares, each with a type and a description', () => {
    const variables = declared(module, 'variable');
    const used = references(module, /\bvar\.([A-Za-z_][\w-]*)/g);
    expect(missing(used, variables)).toEqual([]);
    expect([...variables.keys()].filter((name) => !used.has(name))).toEqual([]);
    for (const [name, body] of variables) {
      expect({ name, type: typeof body['type'], description: typeof body['description'] }).toEqual({ name, type: 'string', description: 'string' });
    }
  });

  it('declares every local, resource and data source it refers to', () => {
    const locals = declared(module, 'locals');
    const usedLocals = references(module, /\blocal\.([A-Za-z_][\w-]*)/g);
    expect(missing(usedLocals, locals)).toEqual([]);
    expect([...locals.keys()].filter((name) => !usedLocals.has(name))).toEqual([]);
    expect(missing(references(module, /(?<![\w.])((?:aws|azurerm)_[a-z0-9_]+)\.([a-z0-9_]+)/g), declaredResources(module, 'resource'))).toEqual([]);
    expect(missing(references(module, /\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)/g), declaredResources(module, 'data'))).toEqual([]);
  });

  it('describes every output', () => {
    const outputs = declared(module, 'output');
    expect(outputs.size).toBeGreaterThan(3);
    for (const [name, body] of outputs) expect({ name, description: typeof body['description'] }).toEqual({ name, description: 'string' });
    expect(outputs.has('webhook_base_url')).toBe(true);
  });

  const examplesDir = path.join(terraformDir, moduleName, 'examples');
  const examples = readdirSync(examplesDir).filter((name) => statSync(path.join(examplesDir, name)).isDirectory());

  it.each(examples)('example %s passes every required input, only inputs that exist, and reads only outputs that exist', async (exampleName) => {
    const example = await readConfiguration(path.join(examplesDir, exampleName));
    const variables = declared(module, 'variable');
    const outputs = declared(module, 'output');
    const calls = [...declared(example, 'module')].filter(([, body]) => path.resolve(example.dir, body['source'] as string) === module.dir);
    expect(calls).toHaveLength(1);
    const [callName, inputs] = calls[0] as [string, Hcl];
    const given = Object.keys(inputs).filter((key) => !META_ARGUMENTS.has(key));
    expect(given.filter((key) => !variables.has(key))).toEqual([]);
    const required = [...variables].filter(([, body]) => !('default' in body)).map(([name]) => name);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
    const read = references(example, new RegExp(`\\bmodule\\.${callName}\\.([A-Za-z_][\\w-]*)`, 'g'));
    expect(missing(read, outputs)).toEqual([]);

    // The example's own configuration holds together too.
    const exampleVariables = declared(example, 'variable');
    const used = references(example, /\bvar\.([A-Za-z_][\w-]*)/g);
    expect(missing(used, exampleVariables)).toEqual([]);
    expect([...exampleVariables.keys()].filter((name) => !used.has(name))).toEqual([]);
    expect(missing(references(example, /(?<![\w.])((?:aws|azurerm)_[a-z0-9_]+)\.([a-z0-9_]+)/g), declaredResources(example, 'resource'))).toEqual([]);
    expect(missing(references(example, /\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)/g), declaredResources(example, 'data'))).toEqual([]);

    // terraform.tfvars.example sets every required non-secret variable, and nothing unknown.
    const tfvars = await parseHcl('terraform.tfvars.example', readFileSync(path.join(example.dir, 'terraform.tfvars.example'), 'utf8'));
    expect(Object.keys(tfvars).filter((name) => !exampleVariables.has(name))).toEqual([]);
    const requiredHere = [...exampleVariables].filter(([, body]) => !('default' in body) && body['sensitive'] !== true).map(([name]) => name);
    expect(requiredHere.filter((name) => !(name in tfvars))).toEqual([]);

    // The host config the example passes is one Marina accepts.
    const file = path.join(example.dir, 'marina.yaml');
    expect(existsSync(file)).toBe(true);
    const env = { PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 'secret', GITHUB_TOKEN: 'token' };
    const config = parseHostConfig(readFileSync(file, 'utf8'), file, env, { pluginDirectories: [path.join(repoRoot, 'plugins')], dataDir: '/data' });
    expect(config.integrations.map((integration) => integration.identifier)).toEqual(['github-acme', 'fake-demo']);
    expect(parseYaml(readFileSync(file, 'utf8'))).not.toHaveProperty('server'); // the module sets it
  });
});

describe('what the modules run', () => {
  it("ECS: Marina's command, graceful stop timeout, read-only root, health checks and only webhook routes on the load balancer", async () => {
    const ecs = await readConfiguration(path.join(terraformDir, 'aws-ecs'));
    const text = ecs.expressions.join('\n');
    expect(text).toContain('"start", "--config", "/etc/marina/marina.yaml"');
    expect(text).toContain('stopTimeout = var.shutdown_timeout_seconds + 15');
    expect(text).toMatch(/readonlyRootFilesystem\s*=\s*true/);
    const resources = ecs.blocks.flatMap((block) => Object.entries((block['resource'] ?? {}) as Hcl));
    const byType = (type: string) => resources.filter(([name]) => name === type).flatMap(([, named]) => Object.values(named as Hcl).map((bodies) => (bodies as Hcl[])[0] as Hcl));
    expect(byType('aws_lb_target_group')[0]!['health_check'][0]['path']).toBe('/health/ready');
    expect(byType('aws_lb_listener_rule')[0]!['condition'][0]['path_pattern'][0]['values']).toEqual(['/integrations/*']);
    expect(byType('aws_lb_listener')[0]!['default_action'][0]['type']).toBe('fixed-response');
    const service = byType('aws_ecs_service')[0]!;
    expect(service['desired_count']).toBe(1);
    expect(service['deployment_maximum_percent']).toBe(100);
    expect(byType('aws_efs_access_point')[0]!['posix_user'][0]).toEqual({ uid: 1000, gid: 1000 });
  });

  it('Azure: one replica, probes on /health, the config from a secret volume, /data on Azure Files', async () => {
    const azure = await readConfiguration(path.join(terraformDir, 'azure-container-app'));
    const app = azure.blocks.flatMap((block) => Object.entries((block['resource'] ?? {}) as Hcl)).find(([type]) => type === 'azurerm_container_app')![1]['this'][0] as Hcl;
    const template = app['template'][0];
    expect([template['min_replicas'], template['max_replicas'], app['revision_mode']]).toEqual([1, 1, 'Single']);
    const container = template['container'][0];
    expect(container['args']).toEqual(['start', '--config', '/etc/marina/marina-yaml']);
    expect(container['liveness_probe'][0]['path']).toBe('/health/live');
    expect(container['readiness_probe'][0]['path']).toBe('/health/ready');
    expect(container['volume_mounts'].map((mount: Hcl) => mount['path'])).toEqual(['/etc/marina', '/data']);
    expect(template['volume'].map((volume: Hcl) => volume['storage_type'])).toEqual(['Secret', 'AzureFile']);
    expect(app['ingress'][0]['target_port']).toBe(8000);
  });
});
