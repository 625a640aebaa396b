import type { Host } from '../host/host.js';
import type { IntegrationRuntime, RunRecord } from '../sync/integration-runtime.js';
import type { ResyncTrigger } from '../sync/scheduler.js';

/** How one integration's single resync ended (`not-started`: its plugin or Port was not there). */
export interface OnceOutcome {
  identifier: string;
  status: RunRecord['status'] | 'not-started';
  record?: RunRecord;
  reason?: string;
}

export interface OnceRuns {
  /** The runs that started, by integration, for progress views. */
  runs: Map<string, { runId: string; runtime: IntegrationRuntime }>;
  /** Outcomes in the order they settled; complete once `settled` resolves. */
  outcomes: OnceOutcome[];
  /** Resolves when every started run has ended. Never rejects. */
  settled: Promise<void>;
}

/**
 * One resync of each of the host's integrations, all at once (under the host's cap): what
 * `marina sail --once` does, and `marina start` when every integration uses the ONCE listener.
 * `onOutcome` hears each outcome as it settles.
 */
export async function resyncEachOnce(host: Host, options: { trigger: ResyncTrigger; hasPort: boolean; onOutcome(outcome: OnceOutcome): void }): Promise<OnceRuns> {
  const outcomes: OnceOutcome[] = [];
  const pending: Promise<void>[] = [];
  const runs = new Map<string, { runId: string; runtime: IntegrationRuntime }>();
  const settle = (outcome: OnceOutcome): void => {
    outcomes.push(outcome);
    options.onOutcome(outcome);
  };
  for (const integration of host.integrations()) {
    const runtime = await integration.resyncReady();
    if (runtime === undefined) {
      const reason = integration.snapshot().error?.message ?? integration.resyncError ?? (options.hasPort ? `the integration is ${integration.status}` : 'no Port is available');
      settle({ identifier: integration.identifier, status: 'not-started', reason });
      continue;
    }
    const handle = runtime.requestResync(options.trigger);
    runs.set(integration.identifier, { runId: handle.runId, runtime });
    pending.push(handle.done.then((record) => settle({ identifier: integration.identifier, status: record.status, record })));
  }
  return { runs, outcomes, settled: Promise.all(pending).then(() => undefined) };
}

/** The last line for one integration: status, figures, and each error on its own line. */
export function outcomeLine(outcome: OnceOutcome): string {
  if (outcome.record === undefined) return `${outcome.identifier}: not resynced: ${outcome.reason ?? outcome.status}`;
  const totals = outcome.record.progress?.totals;
  const figures = totals ? ` records=${totals.records} upserted=${totals.upserted} unchanged=${totals.unchanged} failed=${totals.failed} deleted=${totals.deleted}` : '';
  const errors = outcome.record.errors.map((error) => `\n  ${error.kind === undefined ? '' : `${error.kind}: `}${error.code}: ${error.message.split('\n')[0]}`).join('');
  return `${outcome.identifier}: ${outcome.record.status}${figures}${errors}`;
}

/** Whether every expected integration completed, and the summary line saying so. */
export function onceSummary(command: string, outcomes: OnceOutcome[], expected: number): { ok: boolean; line: string } {
  const failed = outcomes.filter((outcome) => outcome.status !== 'completed');
  const finished = outcomes.length === expected;
  const plural = (count: number) => `integration${count === 1 ? '' : 's'}`;
  if (failed.length === 0 && finished) return { ok: true, line: `${command}: ${outcomes.length} ${plural(outcomes.length)} resynced` };
  const notDone = [...failed.map((outcome) => `${outcome.identifier} (${outcome.status})`), ...(finished ? [] : ['interrupted'])];
  return { ok: false, line: `${command}: ${failed.length + (expected - outcomes.length)} of ${expected} ${plural(expected)} did not complete: ${notDone.join(', ')}` };
}
