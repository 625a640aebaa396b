import {
  defineIntegration,
  defineLiveEventProcessor,
  isDefinedIntegration,
  isLiveEventProcessor,
  isRetryableError,
  RetryableError,
  SDK_BRANDS,
  type LiveEventProcessor,
} from '../../src/sdk/index.js';

/** What another copy of the SDK produces: the same registry symbols, other classes and objects. */
class OtherCopyRetryableError extends Error {
  override name = 'RetryableError';
}
Object.defineProperty(OtherCopyRetryableError.prototype, Symbol.for('marina.sdk.retryable-error'), { value: true });

const processorFields: LiveEventProcessor = {
  name: 'items',
  path: '/items',
  kinds: () => ['item'],
  resourceKey: () => 'key',
  handle: async () => ({ updated: [], deleted: [] }),
};

describe('SDK brands', () => {
  test('are registry symbols, the same in every copy of the SDK', () => {
    expect(SDK_BRANDS.retryableError).toBe(Symbol.for('marina.sdk.retryable-error'));
    expect(SDK_BRANDS.integration).toBe(Symbol.for('marina.sdk.integration'));
    expect(SDK_BRANDS.liveEventProcessor).toBe(Symbol.for('marina.sdk.live-event-processor'));
  });

  test('RetryableError is recognised across copies, subclasses included; other errors are not', () => {
    class Busy extends RetryableError {}
    expect(isRetryableError(new RetryableError('x'))).toBe(true);
    expect(isRetryableError(new Busy('x'))).toBe(true);
    expect(isRetryableError(new OtherCopyRetryableError('x'))).toBe(true);
    expect(new OtherCopyRetryableError('x') instanceof RetryableError).toBe(true);
    expect(new RetryableError('x') instanceof Busy).toBe(false);
    for (const other of [new Error('x'), Object.assign(new Error('x'), { name: 'RetryableError' }), 'RetryableError', null, undefined, {}]) {
      expect(isRetryableError(other)).toBe(false);
    }
  });

  test('defineIntegration results are branded and frozen; look-alikes are not branded', () => {
    const defined = defineIntegration({ type: 'acme', setup: () => ({ resync: {} }) });
    expect(isDefinedIntegration(defined)).toBe(true);
    expect(Object.isFrozen(defined)).toBe(true);
    expect(Object.keys(defined)).not.toContain(String(SDK_BRANDS.integration));
    expect(isDefinedIntegration({ ...defined })).toBe(false);
    expect(isDefinedIntegration({ apiVersion: 1, type: 'acme', setup: () => ({ resync: {} }) })).toBe(false);
  });

  test('defineLiveEventProcessor brands a copy with the same prototype and checks optional hooks', () => {
    class Processor {
      name = 'items';
      path = '/items';
      kinds(): string[] {
        return ['item'];
      }
      resourceKey(): string {
        return 'key';
      }
      async handle() {
        return { updated: [], deleted: [] };
      }
    }
    const instance = new Processor();
    const defined = defineLiveEventProcessor(instance);
    expect(isLiveEventProcessor(defined)).toBe(true);
    expect(isLiveEventProcessor(instance)).toBe(false);
    expect(defined.kinds({} as never)).toEqual(['item']);
    expect(defineLiveEventProcessor(defined)).toBe(defined);
    expect(isLiveEventProcessor({ ...defineLiveEventProcessor(processorFields) })).toBe(false);
    expect(() => defineLiveEventProcessor({ ...processorFields, authenticate: 'yes' as never })).toThrow('Expected `authenticate` to be a function when given');
  });
});
