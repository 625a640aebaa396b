import { createMappingEngine, parsePortAppConfig, type ResourceConfig } from '../../src/mapping/index.js';

/** The worker pool survives jq-wasm aborts (heap cap) and stuck programs, without losing good records. */

function resource(extra: string): ResourceConfig {
  return parsePortAppConfig(
    `resources:
  - kind: k
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"b"'
          properties:
            extra: ${JSON.stringify(extra)}
`,
    'pool.yml',
  ).resources[0]!;
}

test('a record that makes jq-wasm abort on its heap cap becomes an item error; the pool recovers', async () => {
  const engine = createMappingEngine({ workers: 1, engine: 'jq-wasm' });
  try {
    // Only records with big: true build a 20M-element array (16 bytes each), far beyond the 256 MiB heap.
    const r = resource('if .big then [range(0; 20000000)] | length else 1 end');
    const result = await engine.mapPage(r, [{ id: 'a' }, { id: 'boom', big: true }, { id: 'c' }]);
    expect(result.passed.map((e) => e.identifier)).toEqual(['a', 'c']);
    expect(result.itemErrors).toEqual([{ index: 1, message: expect.stringContaining('jq could not evaluate the record') }]);
    const after = await engine.mapPage(r, [{ id: 'd' }]);
    expect(after.passed).toEqual([{ identifier: 'd', blueprint: 'b', properties: { extra: 1 } }]);
  } finally {
    await engine.close();
  }
}, 60_000);

test('a stuck program is abandoned after the call timeout and its worker replaced', async () => {
  const engine = createMappingEngine({ workers: 1, engine: 'jq-wasm', callTimeoutMs: 1_000 });
  try {
    const stuck = resource('if .slow then last(range(0; 1e12)) else 2 end');
    const result = await engine.mapPage(stuck, [{ id: 'x', slow: true }]);
    expect(result.passed).toEqual([]);
    expect(result.itemErrors).toEqual([{ index: 0, message: expect.stringContaining('timed out') }]);
    const after = await engine.mapPage(stuck, [{ id: 'y' }]);
    expect(after.passed).toEqual([{ identifier: 'y', blueprint: 'b', properties: { extra: 2 } }]);
  } finally {
    await engine.close();
  }
});
