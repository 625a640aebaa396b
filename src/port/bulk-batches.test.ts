import fc from 'fast-check';
import { BODY_MAX_BYTES, planBatches } from './bulk-batches.js';

describe('bulk batches', () => {
  it('never exceeds 20 entities or the byte limit, keeps order, and loses nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }), fc.integer({ min: 200, max: 20_000 }), (sizes, maxBytes) => {
        const entities = sizes.map((size, i) => ({ identifier: `e${i}`, blueprint: 'b', properties: { pad: 'x'.repeat(size) } }));
        const plan = planBatches(entities, 20, maxBytes);
        for (const batch of plan.batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(20);
          expect(Buffer.byteLength(JSON.stringify({ entities: batch }))).toBeLessThanOrEqual(maxBytes);
        }
        for (const entity of plan.oversized) expect(Buffer.byteLength(JSON.stringify({ entities: [entity] }))).toBeGreaterThan(maxBytes);
        const seen = [...plan.batches.flat(), ...plan.oversized].map((e) => e.identifier).sort();
        expect(seen).toEqual(entities.map((e) => e.identifier).sort());
        expect(plan.batches.flat().map((e) => e.identifier)).toEqual(entities.filter((e) => !plan.oversized.includes(e)).map((e) => e.identifier));
      }),
    );
  });

  it('splits on bytes with the real 1 MiB limit and multi-byte characters', () => {
    const entities = Array.from({ length: 10 }, (_, i) => ({ identifier: `e${i}`, properties: { text: 'é'.repeat(150_000) } }));
    const plan = planBatches(entities);
    expect(plan.batches.length).toBeGreaterThan(2);
    for (const batch of plan.batches) expect(Buffer.byteLength(JSON.stringify({ entities: batch }))).toBeLessThanOrEqual(BODY_MAX_BYTES);
  });
});
