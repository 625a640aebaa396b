import { FAKE_KINDS } from './fake-config.js';
import { jsonLength } from './fake-json-size.js';
import { collectPages, resyncRequest, setUpFake } from './fake-test-support.js';

const small = { entityCount: { 'fake-department': 5, 'fake-person': 230, 'fake-office': 8, 'fake-team': 12, 'fake-project': 40 } };

async function allRecords(config: Record<string, unknown>, kind: string, selector: Record<string, unknown> = {}) {
  const { instance } = await setUpFake(config);
  return (await collectPages(instance, kind, selector)).flat();
}

describe('fake plugin: generation', () => {
  it('gives the same records for the same seed and knobs, and different ones for another seed', async () => {
    for (const kind of FAKE_KINDS) {
      const first = await allRecords({ ...small, seed: 7 }, kind);
      const again = await allRecords({ ...small, seed: 7 }, kind);
      expect(again).toEqual(first);
    }
    const persons7 = await allRecords({ ...small, seed: 7 }, 'fake-person');
    const persons8 = await allRecords({ ...small, seed: 8 }, 'fake-person');
    expect(persons8.map((p) => p.email)).not.toEqual(persons7.map((p) => p.email));
  });

  it('generates entityCount records of each kind, with unique identifiers', async () => {
    for (const kind of FAKE_KINDS) {
      const records = await allRecords(small, kind);
      expect(records).toHaveLength(small.entityCount[kind]);
      expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    }
  });

  it('uses the small default organization when no counts are configured', async () => {
    const counts = await Promise.all(FAKE_KINDS.map(async (kind) => (await allRecords({}, kind)).length));
    expect(counts).toEqual([5, 200, 8, 12, 40]);
  });

  it('serves pages of pageSize records, the last one holding the rest', async () => {
    const { instance } = await setUpFake({ entityCount: { 'fake-person': 30 }, pageSize: 7 });
    const pages = await collectPages(instance, 'fake-person');
    expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 7, 2]);
  });

  it('yields no page for a kind with no records', async () => {
    const { instance } = await setUpFake({ entityCount: { 'fake-project': 0 } });
    expect(await collectPages(instance, 'fake-project')).toEqual([]);
  });

  it.each([1, 4])('pads every kind to within 10%% of recordSizeKb=%i', async (kb) => {
    for (const kind of FAKE_KINDS) {
      const records = await allRecords({ ...small, recordSizeKb: kb }, kind);
      for (const record of records) {
        const bytes = Buffer.byteLength(JSON.stringify(record));
        expect(Math.abs(bytes - kb * 1024)).toBeLessThanOrEqual(kb * 1024 * 0.1);
      }
    }
  });

  it('measures records exactly like JSON.stringify does', async () => {
    for (const kind of FAKE_KINDS) {
      for (const record of await allRecords(small, kind)) expect(jsonLength(record)).toBe(JSON.stringify(record).length);
    }
  });

  it('produces records shaped like a real API: ids, emails, nested objects and arrays', async () => {
    const [person] = await allRecords(small, 'fake-person');
    expect(person).toMatchObject({
      id: 'emp-0000001',
      name: expect.stringMatching(/^\w+ \w+$/),
      email: expect.stringMatching(/^[a-z]+\.[a-z]+1@[a-z]+\.test$/),
      status: expect.stringMatching(/^(WORKING|NOPE)$/),
      department: { id: 'hr', name: 'Human Resources' },
      employment: { startDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      skills: expect.any(Array),
      bio: expect.any(String),
    });
    const [office] = await allRecords(small, 'fake-office');
    expect(office).toMatchObject({ id: 'office-tlv', address: { lines: [expect.any(String), expect.any(String)], geo: { lat: expect.any(Number) } } });
  });

  it('points every relation at a generated identifier, consistently across kinds', async () => {
    const byId = async (kind: string) => new Map((await allRecords(small, kind)).map((r) => [r.id as string, r]));
    const departments = await byId('fake-department');
    const teams = await byId('fake-team');
    const offices = await byId('fake-office');
    type Ref = { id: string } | null;
    for (const team of teams.values()) {
      expect(departments.has((team.department as { id: string }).id)).toBe(true);
    }
    for (const person of (await byId('fake-person')).values()) {
      const department = (person.department as { id: string }).id;
      const team = teams.get((person.team as { id: string }).id);
      expect(departments.has(department)).toBe(true);
      expect(offices.has((person.office as { id: string }).id)).toBe(true);
      // A person's team is one of their own department's teams.
      expect((team?.department as Ref)?.id).toBe(department);
    }
    for (const project of (await byId('fake-project')).values()) {
      const team = teams.get((project.team as { id: string }).id);
      expect(team).toBeDefined();
      expect(((project.owner as { department: Ref }).department as { id: string }).id).toBe((team?.department as { id: string }).id);
    }
  });

  it('leaves relations null when the target kind has no records', async () => {
    const persons = await allRecords({ entityCount: { 'fake-person': 5, 'fake-team': 0, 'fake-office': 0 } }, 'fake-person');
    for (const person of persons) expect(person).toMatchObject({ team: null, office: null, department: { id: expect.any(String) } });
  });

  it('streams: the first page of a trillion persons arrives without generating the rest', async () => {
    const { instance } = await setUpFake({ entityCount: { 'fake-person': 1e12 }, pageSize: 3 });
    const controller = new AbortController();
    const iterator = instance.resync['fake-person']!(resyncRequest('fake-person', controller.signal))[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toHaveLength(3);
    await iterator.return?.(undefined);
  });
});

describe('fake plugin: selector', () => {
  it('generates only the departments named by selector.departments, and their persons, teams and projects', async () => {
    const selector = { departments: ['hr', 'finance'] };
    const departments = await allRecords(small, 'fake-department', selector);
    expect(departments.map((d) => d.id)).toEqual(['hr', 'finance']);
    const persons = await allRecords(small, 'fake-person', selector);
    const everyone = await allRecords(small, 'fake-person');
    const expected = everyone.filter((p) => ['hr', 'finance'].includes((p.department as { id: string }).id));
    expect(persons).toEqual(expected);
    expect(persons.length).toBe(46 + 46);
    for (const kind of ['fake-team', 'fake-project'] as const) {
      const filtered = await allRecords(small, kind, selector);
      expect(filtered.length).toBeGreaterThan(0);
      for (const record of filtered) {
        const department = kind === 'fake-team' ? record.department : (record.owner as { department: unknown }).department;
        expect(['hr', 'finance']).toContain((department as { id: string }).id);
      }
    }
    // Offices belong to no department, so the filter leaves them alone.
    expect(await allRecords(small, 'fake-office', selector)).toHaveLength(8);
  });

  it('keeps filtered pages full', async () => {
    const { instance } = await setUpFake({ ...small, pageSize: 10 });
    const pages = await collectPages(instance, 'fake-person', { departments: ['support'] });
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 6]);
  });

  it('warns about unknown department identifiers and matches nothing for them', async () => {
    const { instance, logger } = await setUpFake(small);
    const pages = await collectPages(instance, 'fake-department', { departments: ['nope'] });
    expect(pages).toEqual([]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ unknown: ['nope'], kind: 'fake-department' }) }));
  });

  it('rejects a selector.departments that is not a list of identifiers, naming the field', async () => {
    const { instance } = await setUpFake(small);
    await expect(collectPages(instance, 'fake-person', { departments: 'hr' })).rejects.toThrow(/resources\[0\] \(kind fake-person\): selector\.departments must be a list/);
  });
});
