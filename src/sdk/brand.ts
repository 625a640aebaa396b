/**
 * Brands: how the host recognises values made by the SDK.
 *
 * A plugin does not necessarily share the host's copy of the SDK: the host imports each
 * TypeScript plugin into a module graph of its own, and a plugin may bundle or install its own
 * copy of `marina/sdk`. `instanceof` and identity checks fail across copies, so every SDK value
 * the host inspects (the `defineIntegration` result, live-event processors, `RetryableError`)
 * carries a property keyed by a registry symbol, `Symbol.for('marina.sdk.<what>')`, which is the
 * same symbol in every copy and every module graph of the process (fastify marks its plugins the
 * same way). The `isX` helpers check that brand; the host uses them everywhere.
 *
 * The brand properties are not enumerable: a spread copy (`{ ...processor }`) is not branded,
 * so only values that went through the SDK's checks carry it.
 */

/** The registry symbols of the SDK's brands, one per kind of value. */
export const SDK_BRANDS = {
  /** A `defineIntegration` result. */
  integration: Symbol.for('marina.sdk.integration'),
  /** A `defineLiveEventProcessor` result. */
  liveEventProcessor: Symbol.for('marina.sdk.live-event-processor'),
  /** A `RetryableError` (or subclass) instance; set on the class prototype. */
  retryableError: Symbol.for('marina.sdk.retryable-error'),
} as const;

/** Marks `target` with `brand` (not enumerable, not writable). */
export function brand<T extends object>(target: T, symbol: symbol): T {
  Object.defineProperty(target, symbol, { value: true, enumerable: false, writable: false, configurable: false });
  return target;
}

/** Whether `value` carries `symbol` (own or inherited), whichever SDK copy branded it. */
export function hasBrand(value: unknown, symbol: symbol): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
}
