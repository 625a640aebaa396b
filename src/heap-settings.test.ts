import { spawnSync } from 'node:child_process';
import { isMarinaError } from './errors.js';
import { applyHeapSettings, DEFAULT_HEAP_GROWING_PERCENT } from './heap-settings.js';

function applied(env: Record<string, string | undefined>, execArgv: string[] = []) {
  const flags: string[] = [];
  const settings = applyHeapSettings({ env, execArgv, setFlags: (flag) => flags.push(flag) });
  return { settings, flags };
}

describe('heap settings', () => {
  it('grows the heap by 50% by default', () => {
    expect(applied({})).toEqual({ settings: { heapGrowingPercent: DEFAULT_HEAP_GROWING_PERCENT, source: 'default' }, flags: ['--heap-growing-percent=50'] });
    expect(applied({ MARINA_HEAP_GROWING_PERCENT: ' ' }).flags).toEqual(['--heap-growing-percent=50']);
  });

  it('takes MARINA_HEAP_GROWING_PERCENT, and 0 leaves V8 its own sizing', () => {
    expect(applied({ MARINA_HEAP_GROWING_PERCENT: '100' })).toEqual({ settings: { heapGrowingPercent: 100, source: 'env' }, flags: ['--heap-growing-percent=100'] });
    expect(applied({ MARINA_HEAP_GROWING_PERCENT: '0' })).toEqual({ settings: { heapGrowingPercent: undefined, source: 'env' }, flags: [] });
  });

  it("leaves the operator's own node flag alone", () => {
    expect(applied({ MARINA_HEAP_GROWING_PERCENT: '100' }, ['--import', 'tsx', '--heap-growing-percent=20'])).toEqual({
      settings: { heapGrowingPercent: 20, source: 'node-flag' },
      flags: [],
    });
    expect(applied({}, ['--heap_growing_percent', '30'])).toEqual({ settings: { heapGrowingPercent: 30, source: 'node-flag' }, flags: [] });
  });

  it('refuses a value that is not a whole number from 0 to 1000, naming the variable', () => {
    for (const bad of ['fast', '-5', '1.5', '1001', '50%']) {
      let caught: unknown;
      try {
        applied({ MARINA_HEAP_GROWING_PERCENT: bad });
      } catch (error) {
        caught = error;
      }
      expect(isMarinaError(caught, 'CONFIG_INVALID')).toBe(true);
      expect((caught as Error).message).toContain('MARINA_HEAP_GROWING_PERCENT');
      expect((caught as Error).message).toContain(JSON.stringify(bad));
    }
  });

  it('sets a flag V8 accepts, in a real node process', () => {
    // V8 reports an unknown flag on stderr; the real setter runs in a child (tsx imports the source).
    const moduleUrl = new URL('./heap-settings.ts', import.meta.url).href;
    const script = `import(${JSON.stringify(moduleUrl)}).then((m) => { const s = m.applyHeapSettings({ env: {}, execArgv: [] }); globalThis.gc(); console.log(JSON.stringify(s)); })`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ heapGrowingPercent: 50, source: 'default' });
  });
});
