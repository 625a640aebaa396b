import { setImmediate as nextTick } from 'node:timers/promises';
import type { RawPage } from '../../src/sdk/index.js';
import type { FakeKind } from './fake-config.js';
import type { FakeOrganization } from './fake-org.js';

/** The error the fake third-party API raises when failure injection says so. */
export class FakeApiError extends Error {
  override name = 'FakeApiError';
  readonly kind: FakeKind;
  readonly page: number;
  constructor(kind: FakeKind, page: number) {
    super(`Fake third-party API failed on page ${page} of ${kind} (failure injection: failAtPage=${page})`);
    this.kind = kind;
    this.page = page;
  }
}

export interface FakePagesOptions {
  organization: FakeOrganization;
  kind: FakeKind;
  /** Only records of these department indexes; `undefined` means all. */
  departments: ReadonlySet<number> | undefined;
  signal: AbortSignal;
}

/**
 * The pages of one kind, as a paginated third-party API would serve them: `pageSize` records per
 * page (after filtering, like a server-side query), `pageLatencyMs` before each page, and the
 * configured failure at page `failAtPage`. Holds one page in memory at a time.
 */
export async function* fakePages({ organization, kind, departments, signal }: FakePagesOptions): AsyncGenerator<RawPage> {
  const { pageSize, pageLatencyMs, failAtPage, failKind, failMode } = organization.config;
  const failsHere = failAtPage > 0 && (failKind === undefined || failKind === kind);
  const total = organization.count(kind);
  // Offices belong to no department, so a department filter leaves them alone.
  const filter = kind === 'fake-office' ? undefined : departments;
  let index = 0;
  for (let pageNumber = 1; index < total; pageNumber++) {
    signal.throwIfAborted();
    const page: RawPage = [];
    for (; index < total && page.length < pageSize; index++) {
      if (filter !== undefined) {
        const department = organization.departmentOf(kind, index);
        if (department === undefined || !filter.has(department)) continue;
      }
      page.push(organization.record(kind, index));
    }
    if (page.length === 0) return;
    // A real API call always leaves the event loop; doing the same keeps timers and abort
    // signals alive even when there is no latency to simulate.
    if (pageLatencyMs > 0) await sleep(pageLatencyMs, signal);
    else await nextTick();
    signal.throwIfAborted();
    if (failsHere && pageNumber === failAtPage) {
      if (failMode === 'hang') await sleep(Number.POSITIVE_INFINITY, signal);
      throw new FakeApiError(kind, pageNumber);
    }
    yield page;
  }
}

/** Waits `ms` (forever for `Infinity`), rejecting with the signal's reason when it fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms)
      : undefined;
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
