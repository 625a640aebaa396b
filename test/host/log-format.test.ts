import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { createLogger, resolveLogFormat } from '../../src/observability/logger.js';
import { createSecretRedactor, REDACTED } from '../../src/observability/secret-redactor.js';
import { createCapture, fixturePlugins, repoRoot } from './host-test-support.js';

const TOKEN = 'good-token-7c1f3a9e';

describe('log format', () => {
  test('auto is pretty on a terminal and JSON elsewhere; json and pretty force it', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  test('pretty lines are readable, name the integration once, keep error stacks, and are masked like JSON', () => {
    const capture = createCapture();
    const redactor = createSecretRedactor();
    redactor.add(TOKEN);
    const logger = createLogger({ level: 'info', redactor, format: 'pretty', destination: { write: capture.write } });
    logger.child({ integration: 'github-acme' }).info({ kind: 'repo', header: `Bearer ${TOKEN}`, url: 'https://api.test/x?access_token=unregistered-123' }, `calling with ${TOKEN}`);
    logger.error({ err: new Error(`boom with ${TOKEN}`) }, 'kind failed');
    const text = capture.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('unregistered-123');
    const [first, second] = text.split('\n');
    expect(first).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: github-acme: calling with \\${REDACTED} \\{"kind":"repo","header":"Bearer \\${REDACTED}","url":"https://api.test/x\\?access_token=\\${REDACTED}"\\}$`));
    expect(second).toMatch(/^\[[\d:.]+\] ERROR: kind failed\s*$/);
    expect(text).toContain(`Error: boom with ${REDACTED}\n`);
    expect(text).toMatch(/at .*log-format\.test\.ts:\d+/);
  });
});

/** Runs `bin/marina` with stdout on a pseudo-terminal (util-linux `script`), as an operator's shell would. */
function onTerminal(args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, path.join(repoRoot, 'bin', 'marina'), ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', SHELL: '/bin/sh', TERM: 'xterm', MARINA_FROM_SOURCE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    // Colours and the sail table's cursor moves are terminal escapes; the text is what matters.
    child.on('exit', () => resolve(stripVTControlCharacters(output).replace(/\r/g, '')));
  });
}

describe('logs on a terminal (spawned under a pseudo-terminal)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'marina-log-format-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (format?: string) => {
    const file = path.join(dir, `marina-${format ?? 'default'}.yaml`);
    writeFileSync(
      file,
      `${format === undefined ? '' : `log: { format: ${format} }\n`}plugins: { directories: [${JSON.stringify(fixturePlugins)}], watch: false }
dataDir: ${JSON.stringify(path.join(dir, `.marina-${format ?? 'default'}`))}
integrations:
  - identifier: good-one
    type: good
    config: { apiToken: ${TOKEN} }
`,
    );
    return file;
  };

  test('by default the lines are human-readable, and still masked', async () => {
    const output = await onTerminal(['sail', '--config', config(), '--once'], dir, { LOG_LEVEL: 'info' });
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: good-one: connecting with token \[REDACTED\]/m);
    expect(output).toMatch(/^\[[\d:.]+\] INFO: marina starting /m);
    expect(output).not.toContain('{"level":');
    expect(output).not.toContain(TOKEN);
  });

  test('log.format: json keeps JSON lines on a terminal', async () => {
    const output = await onTerminal(['sail', '--config', config('json'), '--once'], dir, { LOG_LEVEL: 'info' });
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('connecting with token [REDACTED]');
    expect(output).not.toMatch(/\] INFO: /);
    expect(output).not.toContain(TOKEN);
  });
});
