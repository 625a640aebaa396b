import type { HostConfig } from '../config/host-config.js';
import type { Daemon } from '../host/daemon.js';
import { writeLine, type CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { onceSummary, outcomeLine, resyncEachOnce } from './resync-each-once.js';

/**
 * Ocean's ONCE listener resyncs and then stops the process, which is what cron jobs and CI
 * steps running an Ocean env file rely on. `marina start` does the same when every enabled
 * integration is ONCE; beside any other listener the process keeps running for the others.
 */
export function onceOnlyIntegrations(config: HostConfig): string[] | undefined {
  const enabled = config.integrations.filter((integration) => integration.enabled);
  if (enabled.length === 0 || enabled.some((integration) => integration.eventListener.type !== 'ONCE')) return undefined;
  return enabled.map((integration) => integration.identifier);
}

/** Identifiers of ONCE integrations that run beside long-running ones (they resync at start only). */
export function onceBesideOthers(config: HostConfig): string[] {
  const enabled = config.integrations.filter((integration) => integration.enabled);
  const once = enabled.filter((integration) => integration.eventListener.type === 'ONCE');
  return once.length > 0 && once.length < enabled.length ? once.map((integration) => integration.identifier) : [];
}

/**
 * The config `start` runs when every integration is ONCE: only the enabled integrations, and no
 * schedule (a scheduled run would abort the ONCE run; the process ends before the next one).
 */
export function onceModeConfig(config: HostConfig): HostConfig {
  return {
    ...config,
    integrations: config.integrations.filter((integration) => integration.enabled).map((integration) => ({ ...integration, scheduledResyncInterval: null })),
  };
}

/**
 * Resyncs each integration once, then stops the daemon. Exit codes as `marina sail --once`: 0
 * when every one completed, 1 when any failed, did not start, or a signal cut the run short; 3
 * when the shutdown deadline passed.
 */
export async function runOnceAndStop(daemon: Daemon, expected: number, io: Pick<CliIo, 'stderr' | 'shutdownSignal'>): Promise<number> {
  daemon.logger.info({ integrations: expected }, 'every integration uses the ONCE listener: resyncing each once, then exiting');
  const { outcomes, settled } = await resyncEachOnce(daemon.host, {
    trigger: { source: 'listener', reason: 'ONCE event listener' },
    hasPort: daemon.port !== undefined,
    onOutcome: (outcome) => writeLine(io.stderr, outcomeLine(outcome)),
  });
  const signal = await Promise.race([settled.then(() => undefined), io.shutdownSignal]);
  const summary = onceSummary('start', outcomes, expected);
  if (signal !== undefined) daemon.logger.info({ signal }, 'signal received before the ONCE resyncs ended');
  daemon.logger.info({ ok: summary.ok }, summary.line);
  const { clean } = await daemon.stop();
  writeLine(io.stderr, summary.line);
  if (!clean) return EXIT.SHUTDOWN_TIMEOUT;
  return summary.ok ? EXIT.OK : EXIT.FAILURE;
}
