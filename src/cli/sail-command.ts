import { parseArgs } from 'node:util';
import type { HostConfig } from '../config/host-config.js';
import { describeError, isMarinaError } from '../errors.js';
import { startDaemon } from '../host/daemon.js';
import type { ImportModule } from '../host/import-module.js';
import { commandDrivenListener } from '../host/integration-resync.js';
import { createSecretRedactor } from '../observability/secret-redactor.js';
import { progressLine, renderProgressTable } from '../sync/progress-view.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT, startFailureExitCode } from './exit-codes.js';
import { resolveHostConfig } from './resolve-config.js';
import { onceSummary, outcomeLine, resyncEachOnce } from './resync-each-once.js';
import { readVersion } from './version.js';

export const SAIL_USAGE = 'Usage: marina sail [--config FILE] [--integration ID]... --once';

/** How often the terminal view is redrawn, and how often plain progress lines are written. */
const REDRAW_MS = 250;
const LINE_MS = 5_000;

/**
 * `marina sail --once`: one resync of each selected integration (all enabled ones by default),
 * then exit: 0 when every one completed, 1 otherwise (a kind failed, the plugin did not load,
 * Port refused). Made for CI pipelines and cron jobs, like Ocean's `ocean sail --once`, but for
 * many integrations at once under the same global cap as the daemon.
 *
 * Progress goes to stderr: a per-kind table redrawn in place on a terminal, plain lines
 * otherwise. Logs go to stdout as usual (quieter on a terminal, so they do not tear the table).
 */
export async function runSailCommand(args: string[], io: CliIo, options: { importModule?: ImportModule } = {}): Promise<number> {
  let flags: { config?: string; integration?: string[]; once?: boolean };
  try {
    flags = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, integration: { type: 'string', short: 'i', multiple: true }, once: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    writeLine(io.stderr, `${(error as Error).message}\n${SAIL_USAGE}`);
    return EXIT.USAGE;
  }
  if (flags.once !== true) {
    writeLine(io.stderr, `sail resyncs once and exits: pass --once (the long-running daemon is \`marina start\`).\n${SAIL_USAGE}`);
    return EXIT.USAGE;
  }
  let config: HostConfig;
  try {
    config = (await resolveHostConfig(flags.config, io)).config;
  } catch (error) {
    writeLine(io.stderr, isMarinaError(error) ? error.message : describeError(error));
    return isMarinaError(error) ? EXIT.CONFIG : EXIT.FAILURE;
  }
  const wanted = flags.integration ?? [];
  const known = config.integrations.map((integration) => integration.identifier);
  const unknown = wanted.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    writeLine(io.stderr, `Unknown integration${unknown.length > 1 ? 's' : ''} ${unknown.map((id) => `"${id}"`).join(', ')} in ${config.source} (configured: ${known.join(', ') || 'none'})`);
    return EXIT.USAGE;
  }
  const selected = config.integrations.filter((integration) => (wanted.length === 0 ? integration.enabled : wanted.includes(integration.identifier)));
  if (selected.length === 0) {
    writeLine(io.stderr, `No enabled integration to resync in ${config.source}`);
    return EXIT.USAGE;
  }
  const interactive = isTty(io.stderr);
  // Only the selected integrations run, each driven by this command, none on a schedule.
  const sailConfig: HostConfig = {
    ...config,
    integrations: selected.map((integration) => ({ ...integration, enabled: true, scheduledResyncInterval: null })),
    plugins: { ...config.plugins, watch: false },
    ...(interactive && isTty(io.stdout) && io.env['LOG_LEVEL'] === undefined ? { log: { ...config.log, level: 'warn' as const } } : {}),
  };

  const redactor = createSecretRedactor();
  let daemon;
  try {
    daemon = await startDaemon({
      config: sailConfig,
      redactor,
      env: io.env,
      version: await readVersion(io.packageRoot),
      http: false,
      command: 'marina sail',
      logDestination: io.stdout,
      stdoutIsTty: isTty(io.stdout),
      resync: { listener: () => commandDrivenListener() },
      ...(options.importModule ? { importModule: options.importModule } : {}),
    });
  } catch (error) {
    writeLine(io.stderr, redactor.redact(describeError(error)));
    return startFailureExitCode(error);
  }

  const { runs, outcomes, settled } = await resyncEachOnce(daemon.host, {
    trigger: { source: 'cli', reason: 'marina sail --once' },
    hasPort: daemon.port !== undefined,
    onOutcome: (outcome) => {
      // A table on a terminal shows finished runs; what never started is said at once.
      if (outcome.record === undefined || !interactive) writeLine(io.stderr, outcomeLine(outcome));
    },
  });

  const snapshots = () =>
    [...runs].flatMap(([identifier, { runId, runtime }]) => {
      const progress = runtime.run(runId)?.progress;
      return progress ? [{ identifier, progress }] : [];
    });
  let drawn = 0;
  const draw = (): void => {
    const lines = snapshots().flatMap(({ identifier, progress }) => renderProgressTable(identifier, progress));
    // Move up over the previous frame and clear it, then draw the new one.
    io.stderr.write(`${drawn > 0 ? `\u001b[${drawn}A\u001b[0J` : ''}${lines.map((line) => `${line}\n`).join('')}`);
    drawn = lines.length;
  };
  const timer = setInterval(
    () => {
      if (interactive) draw();
      else for (const { identifier, progress } of snapshots()) if (progress.state === 'running' || progress.state === 'reconciling') writeLine(io.stderr, progressLine(identifier, progress));
    },
    interactive ? REDRAW_MS : LINE_MS,
  );
  try {
    await Promise.race([settled, io.shutdownSignal]);
  } finally {
    clearInterval(timer);
  }
  if (interactive) {
    draw();
    for (const outcome of outcomes) if (outcome.record) writeLine(io.stderr, outcomeLine(outcome));
  }
  const { clean } = await daemon.stop();
  const summary = onceSummary('sail', outcomes, selected.length);
  writeLine(io.stderr, summary.line);
  if (!clean) return EXIT.SHUTDOWN_TIMEOUT;
  return summary.ok ? EXIT.OK : EXIT.FAILURE;
}

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
