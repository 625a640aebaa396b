/**
 * deploy/ci (scheduled `marina sail --once` in GitHub Actions, GitLab CI, Azure Pipelines and
 * Jenkins) and deploy/systemd. The YAML pipelines parse and run the image's `sail --once` with
 * secrets from the CI system's store; the systemd units pass `systemd-analyze verify`. (The
 * container test runs the GitHub Actions command line itself against the built image.)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseHostConfig } from '../../src/config/host-config.js';
import { repoRoot } from '../support/helm.js';

const ciDir = path.join(repoRoot, 'deploy', 'ci');
const read = (name: string) => readFileSync(path.join(ciDir, name), 'utf8');
const IMAGE = 'registry.example.com/platform/marina:0.1.0';
const SECRETS = ['PORT_CLIENT_ID', 'PORT_CLIENT_SECRET', 'GITHUB_TOKEN'];

/** The docker command line of a step, whitespace collapsed. */
const oneLine = (text: string) => text.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim();

describe('CI pipelines running marina sail --once from the image', () => {
  it('GitHub Actions: scheduled and on demand, secrets from the repository, the config mounted read-only', () => {
    const workflow = parseYaml(read('github-actions.yml')) as any;
    expect(workflow.on.schedule[0].cron).toMatch(/^[\d*/,\s-]+$/);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.env.MARINA_IMAGE).toBe(IMAGE);
    const step = workflow.jobs.sail.steps.find((candidate: any) => typeof candidate.run === 'string');
    expect(oneLine(step.run)).toBe(
      'docker run --rm --read-only -v "$GITHUB_WORKSPACE/marina/marina.yaml:/etc/marina/marina.yaml:ro" -e PORT_CLIENT_ID -e PORT_CLIENT_SECRET -e GITHUB_TOKEN "$MARINA_IMAGE" sail --once',
    );
    for (const name of SECRETS) expect(step.env[name]).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
  });

  it('GitLab CI: the image itself as the job image, on schedules and by hand', () => {
    const pipeline = parseYaml(read('gitlab-ci.yml')) as any;
    const job = pipeline['marina-sail'];
    expect(job.image).toEqual({ name: IMAGE, entrypoint: [''] });
    expect(job.rules.map((rule: any) => rule.if)).toEqual(['$CI_PIPELINE_SOURCE == "schedule"', '$CI_PIPELINE_SOURCE == "web"']);
    expect(job.script).toEqual(['node /app/bin/marina sail --once --config "$CI_PROJECT_DIR/marina/marina.yaml"']);
    expect(job.resource_group).toBe('marina-sail'); // never two runs at once
  });

  it('Azure Pipelines: a schedule, secrets mapped from a variable group', () => {
    const pipeline = parseYaml(read('azure-pipelines.yml')) as any;
    expect(pipeline.trigger).toBe('none');
    expect(pipeline.schedules[0]).toMatchObject({ cron: '17 */6 * * *', always: true });
    expect(pipeline.variables).toEqual([{ group: 'marina' }, { name: 'MARINA_IMAGE', value: IMAGE }]);
    const step = pipeline.jobs[0].steps.find((candidate: any) => typeof candidate.script === 'string');
    expect(oneLine(step.script)).toBe(
      'docker run --rm --read-only -v "$(Build.SourcesDirectory)/marina/marina.yaml:/etc/marina/marina.yaml:ro" -e PORT_CLIENT_ID -e PORT_CLIENT_SECRET -e GITHUB_TOKEN "$(MARINA_IMAGE)" sail --once',
    );
    expect(step.env).toEqual(Object.fromEntries(SECRETS.map((name) => [name, `$(${name})`])));
  });

  it('Jenkins: a cron trigger, credentials bound for the shell only', () => {
    const jenkinsfile = read('Jenkinsfile');
    expect(jenkinsfile).toMatch(/triggers \{\s*cron\('H \*\/6 \* \* \*'\)\s*\}/);
    expect(jenkinsfile).toContain(`MARINA_IMAGE = '${IMAGE}'`);
    expect(jenkinsfile).toContain('disableConcurrentBuilds()');
    const shell = /sh '''([\s\S]*?)'''/.exec(jenkinsfile)?.[1] ?? '';
    expect(oneLine(shell)).toBe('docker run --rm --read-only -v "$WORKSPACE/marina/marina.yaml:/etc/marina/marina.yaml:ro" -e PORT_CLIENT_ID -e PORT_CLIENT_SECRET -e GITHUB_TOKEN "$MARINA_IMAGE" sail --once');
    // Braces balance (a cheap syntax check; Jenkins is not installable here).
    expect(jenkinsfile.split('{').length).toBe(jenkinsfile.split('}').length);
  });

  it('share a host config Marina accepts, with every secret as a ${VARIABLE}', () => {
    const file = path.join(ciDir, 'marina.yaml');
    const text = readFileSync(file, 'utf8');
    for (const name of SECRETS) expect(text).toContain(`\${${name}}`);
    const config = parseHostConfig(text, file, Object.fromEntries(SECRETS.map((name) => [name, 'x'])), { pluginDirectories: [path.join(repoRoot, 'plugins')], dataDir: '/data' });
    expect(config.port?.baseUrl).toBe('https://api.getport.io');
  });
});

describe('systemd units', () => {
  it('pass systemd-analyze verify without a warning', async () => {
    const units = ['marina.service', 'marina-sail.service', 'marina-sail.timer'].map((name) => path.join(repoRoot, 'deploy', 'systemd', name));
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('systemd-analyze', ['verify', ...units], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }));
    });
    expect(result).toEqual({ code: 0, output: '' });
  });

  it('run the daemon until SIGTERM, reload on SIGHUP, and do not restart an invalid configuration', () => {
    const unit = readFileSync(path.join(repoRoot, 'deploy', 'systemd', 'marina.service'), 'utf8');
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/marina/bin/marina start --config /etc/marina/marina.yaml');
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID');
    expect(unit).toContain('RestartPreventExitStatus=78');
    expect(unit).toContain('ProtectSystem=strict');
    const sail = readFileSync(path.join(repoRoot, 'deploy', 'systemd', 'marina-sail.service'), 'utf8');
    expect(sail).toContain('ExecStart=/usr/bin/node /opt/marina/bin/marina sail --once --config /etc/marina/marina.yaml');
  });
});
