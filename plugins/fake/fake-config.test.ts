import { FakeConfigError, resolveFakeConfig } from './fake-config.js';
import { collectPages, setUpFake } from './fake-test-support.js';

describe('fake plugin: config', () => {
  it('fills in defaults', () => {
    expect(resolveFakeConfig({})).toEqual({
      entityCount: { 'fake-department': 5, 'fake-person': 200, 'fake-office': 8, 'fake-team': 12, 'fake-project': 40 },
      recordBytes: 0,
      pageSize: 100,
      pageLatencyMs: 0,
      failAtPage: 0,
      failKind: undefined,
      failMode: 'throw',
      seed: 1,
    });
  });

  it('keeps the defaults of kinds left out of entityCount', () => {
    expect(resolveFakeConfig({ entityCount: { 'fake-person': 1_000_000 } }).entityCount).toMatchObject({ 'fake-person': 1_000_000, 'fake-team': 12 });
  });

  it('lists every invalid field by name', () => {
    let error: unknown;
    try {
      resolveFakeConfig({ pageSize: 0, recordSizeKb: 'big', entityCount: { 'fake-robot': 3, 'fake-person': -1 }, failMode: 'explode', failKind: 'robots' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FakeConfigError);
    const problems = (error as FakeConfigError).problems;
    expect(problems).toHaveLength(6);
    expect((error as Error).message).toMatch(/`pageSize` must be an integer >= 1, got 0/);
    expect((error as Error).message).toMatch(/`recordSizeKb` must be an integer >= 0, got "big" \(string\)/);
    expect((error as Error).message).toMatch(/`entityCount\.fake-robot` is not a kind/);
    expect((error as Error).message).toMatch(/`entityCount\.fake-person` must be an integer >= 0, got -1/);
    expect((error as Error).message).toMatch(/`failMode` must be "throw" or "hang"/);
    expect((error as Error).message).toMatch(/`failKind` must be one of/);
  });

  it('fails setup with the config error, so the host marks only this integration failed', async () => {
    await expect(setUpFake({ pageSize: -3 })).rejects.toThrow(FakeConfigError);
  });

  it("accepts Ocean's fake-integration knobs", async () => {
    const config = { entityAmount: 3, singleDepartmentRun: true, thirdPartyBatchSize: 2, entityKbSize: 2, thirdPartyLatencyMS: -1 };
    expect(resolveFakeConfig(config)).toMatchObject({ recordBytes: 2048, pageSize: 2, pageLatencyMs: 0 });
    const { instance } = await setUpFake(config);
    expect((await collectPages(instance, 'fake-department')).flat().map((d) => d.id)).toEqual(['hr']);
    expect((await collectPages(instance, 'fake-person')).map((page) => page.length)).toEqual([2, 1]);
  });

  it("treats Ocean's -1 defaults as unset, even next to the host-filled defaults of the newer knobs", () => {
    const config = resolveFakeConfig({ pageSize: 100, recordSizeKb: 0, entityAmount: -1, entityKbSize: -1, thirdPartyBatchSize: -1, singleDepartmentRun: false });
    expect(config).toMatchObject({ pageSize: 100, recordBytes: 0, entityCount: { 'fake-department': 5, 'fake-person': 200 } });
  });
});
