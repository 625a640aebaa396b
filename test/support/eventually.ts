/**
 * Polls `check` until it returns true, so tests wait for an outcome instead of sleeping a fixed
 * time. Bounded, so a test that will never pass says what it was waiting for instead of hitting
 * jest's timeout.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 10_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
