import type { RawRecord } from '../../src/sdk/index.js';
import { FAKE_KINDS, type FakeConfig, type FakeKind } from './fake-config.js';
import { jsonLength } from './fake-json-size.js';
import { createRandom, hash32, intBetween, pick, pickSome, type Random } from './fake-random.js';
import { createTextPool, type TextPool } from './fake-text.js';
import {
  DEPARTMENTS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  JOB_TITLES,
  LAST_NAMES,
  OFFICES,
  PROJECT_CODENAMES,
  PROJECT_STATUSES,
  SKILLS,
  TEAM_ADJECTIVES,
  TEAM_NOUNS,
  TIERS,
} from './fake-words.js';

/**
 * The fake organization: departments, persons, offices, teams and projects, where every record
 * is computed from (seed, kind, index) alone. Relations are arithmetic on indexes, so a person
 * can name its team without the team ever being built:
 *
 * - team j belongs to department j mod D;
 * - person i belongs to department i mod D, to one of that department's teams, and to an office;
 * - project p belongs to a team, and through it to the team's department.
 */
export interface FakeOrganization {
  readonly config: FakeConfig;
  /** Records of `kind` before any selector filtering. */
  count(kind: FakeKind): number;
  /** The record of `kind` at `index` (0-based, below `count(kind)`). */
  record(kind: FakeKind, index: number): RawRecord;
  /** The department index a record belongs to; `undefined` for offices and for orphans. */
  departmentOf(kind: FakeKind, index: number): number | undefined;
  /** The department index with identifier `id`, or `undefined`. */
  departmentIndex(id: string): number | undefined;
  departmentId(index: number): string;
  /** The record identifier (the `id` field) of `kind` at `index`, without building the record. */
  identifier(kind: FakeKind, index: number): string;
  /** The index of the record with identifier `id`, or `undefined` when it is not generated. */
  indexOf(kind: FakeKind, id: string): number | undefined;
}

const KIND_NUMBER: Record<FakeKind, number> = Object.fromEntries(FAKE_KINDS.map((kind, i) => [kind, i + 1])) as Record<FakeKind, number>;

// Dates are deterministic: days from 2016-01-01 over ten years. Formatting from tables is
// several times cheaper than Date#toISOString, which dominated the cost of a record.
const DAY_MS = 24 * 3600 * 1000;
const DAYS = Array.from({ length: 3650 }, (_, day) => new Date(Date.UTC(2016, 0, 1) + day * DAY_MS).toISOString().slice(0, 11));
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const HOURS = TWO_DIGITS.slice(0, 24);

const PREFIX: Record<FakeKind, string> = {
  'fake-department': 'dept-',
  'fake-person': 'emp-',
  'fake-office': 'office-',
  'fake-team': 'team-',
  'fake-project': 'proj-',
};
const ID_WIDTH: Record<FakeKind, number> = { 'fake-department': 3, 'fake-person': 7, 'fake-office': 3, 'fake-team': 4, 'fake-project': 5 };

export function createFakeOrganization(config: FakeConfig): FakeOrganization {
  const seed = config.seed;
  const counts = config.entityCount;
  const D = counts['fake-department'];
  const T = counts['fake-team'];
  const O = counts['fake-office'];
  const pool: TextPool = createTextPool(seed, config.recordBytes);

  const rngFor = (kind: FakeKind, index: number): Random => createRandom(hash32(seed, KIND_NUMBER[kind], index));
  const isoDate = (random: Random): string =>
    `${pick(random, DAYS)}${pick(random, HOURS)}:${pick(random, TWO_DIGITS)}:${pick(random, TWO_DIGITS)}.000Z`;

  const identifier = (kind: FakeKind, index: number): string => {
    if (kind === 'fake-department' && index < DEPARTMENTS.length) return (DEPARTMENTS[index] as (typeof DEPARTMENTS)[number]).id;
    if (kind === 'fake-office' && index < OFFICES.length) return `office-${(OFFICES[index] as (typeof OFFICES)[number]).id}`;
    return `${PREFIX[kind]}${String(index + 1).padStart(ID_WIDTH[kind], '0')}`;
  };

  const indexOf = (kind: FakeKind, id: string): number | undefined => {
    let index: number | undefined;
    if (kind === 'fake-department') {
      const known = DEPARTMENTS.findIndex((d) => d.id === id);
      if (known !== -1) index = known;
    } else if (kind === 'fake-office') {
      const known = OFFICES.findIndex((o) => `office-${o.id}` === id);
      if (known !== -1) index = known;
    }
    if (index === undefined && id.startsWith(PREFIX[kind])) {
      const digits = id.slice(PREFIX[kind].length);
      if (/^\d+$/.test(digits)) index = Number(digits) - 1;
    }
    if (index === undefined || index < 0 || index >= counts[kind] || identifier(kind, index) !== id) return undefined;
    return index;
  };

  const departmentName = (d: number): string => DEPARTMENTS[d]?.name ?? `Department ${d + 1}`;
  const officeInfo = (o: number): (typeof OFFICES)[number] => OFFICES[o % OFFICES.length] as (typeof OFFICES)[number];
  const officeName = (o: number): string => (o < OFFICES.length ? officeInfo(o).name : `${officeInfo(o).city} ${Math.floor(o / OFFICES.length) + 1}`);
  const teamName = (j: number): string => {
    const random = createRandom(hash32(seed, 0x7ea, j));
    return `${pick(random, TEAM_ADJECTIVES)} ${pick(random, TEAM_NOUNS)}`;
  };
  const personName = (random: Random): { first: string; last: string } => ({ first: pick(random, FIRST_NAMES), last: pick(random, LAST_NAMES) });
  const emailOf = (first: string, last: string, n: number, random: Random): string =>
    `${first}.${last}${n}@${pick(random, EMAIL_DOMAINS)}`.toLowerCase();
  // The team lead is described inside the team (and copied into its projects), not a relation.
  const teamLead = (j: number): { id: string; name: string; email: string } => {
    const random = createRandom(hash32(seed, 0x1ead, j));
    const { first, last } = personName(random);
    return { id: `lead-${String(j + 1).padStart(4, '0')}`, name: `${first} ${last}`, email: emailOf(first, last, j + 1, random) };
  };

  const teamDepartment = (j: number): number | undefined => (D > 0 ? j % D : undefined);
  const personDepartment = (i: number): number | undefined => (D > 0 ? i % D : undefined);
  const personTeam = (i: number): number | undefined => {
    const d = personDepartment(i);
    if (d === undefined || T <= d) return undefined;
    const teamsInDepartment = Math.floor((T - 1 - d) / D) + 1;
    return d + D * (hash32(seed, 0x7ea3, i) % teamsInDepartment);
  };
  const personOffice = (i: number): number | undefined => (O > 0 ? hash32(seed, 0x0ff1, i) % O : undefined);
  const projectTeam = (p: number): number | undefined => (T > 0 ? hash32(seed, 0x960, p) % T : undefined);

  const departmentRef = (d: number | undefined) => (d === undefined ? null : { id: identifier('fake-department', d), name: departmentName(d) });
  const teamRef = (j: number | undefined) => (j === undefined ? null : { id: identifier('fake-team', j), name: teamName(j) });

  /** Fills `record[field]` (already present and empty) so the JSON reaches `recordBytes`. */
  const pad = (record: RawRecord, field: string, random: Random): RawRecord => {
    const offsetSeed = Math.floor(random() * 0x1_0000_0000);
    if (config.recordBytes === 0) {
      record[field] = pool.take(intBetween(random, 80, 240), offsetSeed).trimEnd();
      return record;
    }
    // All generated text is plain ASCII without characters JSON escapes, so string length is
    // byte length and one measurement gives the exact padding.
    const missing = config.recordBytes - jsonLength(record);
    if (missing > 0) record[field] = pool.take(missing, offsetSeed);
    return record;
  };

  const department = (d: number): RawRecord => {
    const random = rngFor('fake-department', d);
    const id = identifier('fake-department', d);
    const head = personName(random);
    return pad(
      {
        id,
        name: departmentName(d),
        code: id.slice(0, 4).toUpperCase(),
        head: { name: `${head.first} ${head.last}`, email: emailOf(head.first, head.last, d + 1, random) },
        costCenter: { id: `CC-${1000 + d}`, currency: pick(random, ['USD', 'EUR', 'ILS'] as const) },
        headcountBudget: intBetween(random, 10, 400),
        tags: pickSome(random, ['core', 'revenue', 'internal', 'customer-facing', 'regulated'], 2),
        createdAt: isoDate(random),
        description: '',
      },
      'description',
      random,
    );
  };

  const person = (i: number): RawRecord => {
    const random = rngFor('fake-person', i);
    const { first, last } = personName(random);
    const d = personDepartment(i);
    const j = personTeam(i);
    const o = personOffice(i);
    const office = o === undefined ? undefined : officeInfo(o);
    const startDate = isoDate(random);
    return pad(
      {
        id: identifier('fake-person', i),
        name: `${first} ${last}`,
        firstName: first,
        lastName: last,
        email: emailOf(first, last, i + 1, random),
        age: intBetween(random, 20, 100),
        // About two thirds working, as in Ocean's fake integration.
        status: random() < 2 / 3 ? 'WORKING' : 'NOPE',
        title: pick(random, JOB_TITLES),
        phone: `+1-555-${String(intBetween(random, 0, 9999)).padStart(4, '0')}-${String(i % 10000).padStart(4, '0')}`,
        department: departmentRef(d),
        team: teamRef(j),
        office: o === undefined || office === undefined ? null : { id: identifier('fake-office', o), name: officeName(o), city: office.city },
        skills: pickSome(random, SKILLS, intBetween(random, 1, 4)),
        employment: {
          type: pick(random, ['full-time', 'full-time', 'full-time', 'part-time', 'contractor'] as const),
          level: intBetween(random, 1, 7),
          startDate,
        },
        address: {
          street: `${intBetween(random, 1, 250)} ${pick(random, LAST_NAMES)} Street`,
          city: office?.city ?? 'Remote',
          country: office?.country ?? 'Remote',
          postalCode: String(intBetween(random, 10000, 99999)),
        },
        accounts: { github: `${first}-${last}-${i + 1}`.toLowerCase(), slack: `U${hash32(seed, 0x51ac, i).toString(36).toUpperCase()}` },
        createdAt: startDate,
        bio: '',
      },
      'bio',
      random,
    );
  };

  const office = (o: number): RawRecord => {
    const random = rngFor('fake-office', o);
    const info = officeInfo(o);
    const postalCode = String(intBetween(random, 10000, 99999));
    return pad(
      {
        id: identifier('fake-office', o),
        name: officeName(o),
        address: {
          lines: [info.street, `${postalCode} ${info.city}`],
          city: info.city,
          country: info.country,
          postalCode,
          geo: { lat: info.lat, lng: info.lng },
        },
        timezone: info.timezone,
        capacity: intBetween(random, 20, 900),
        amenities: pickSome(random, ['gym', 'cafeteria', 'parking', 'bike-storage', 'childcare', 'rooftop'], 3),
        openedAt: isoDate(random),
        description: '',
      },
      'description',
      random,
    );
  };

  const team = (j: number): RawRecord => {
    const random = rngFor('fake-team', j);
    const name = teamName(j);
    const slug = name.toLowerCase().replace(/\s+/g, '-');
    return pad(
      {
        id: identifier('fake-team', j),
        name,
        department: departmentRef(teamDepartment(j)),
        lead: teamLead(j),
        slackChannel: `#team-${slug}`,
        oncall: { rotation: pick(random, ['weekly', 'daily', 'none'] as const), escalationPolicy: `EP${intBetween(random, 1000, 9999)}` },
        tags: pickSome(random, ['backend', 'frontend', 'mobile', 'data', 'platform', 'ops'], 2),
        createdAt: isoDate(random),
        description: '',
      },
      'description',
      random,
    );
  };

  const project = (p: number): RawRecord => {
    const random = rngFor('fake-project', p);
    const j = projectTeam(p);
    const d = j === undefined ? undefined : teamDepartment(j);
    const codename = pick(random, PROJECT_CODENAMES);
    const slug = `${codename.toLowerCase()}-${p + 1}`;
    const lead = j === undefined ? null : teamLead(j);
    const record: RawRecord = {
      id: identifier('fake-project', p),
      name: `${codename} ${p + 1}`,
      status: pick(random, PROJECT_STATUSES),
      team: teamRef(j),
      owner: lead === null ? null : { ...lead, department: departmentRef(d) },
      repositories: [`https://git.example.test/${slug}/api`, `https://git.example.test/${slug}/web`].slice(0, intBetween(random, 1, 2)),
      budget: { amount: intBetween(random, 10, 500) * 1000, currency: 'USD' },
      startDate: isoDate(random),
    };
    // Like Ocean's fake projects: `metadata.tier` is only sometimes present.
    if (random() < 0.7) record.metadata = { tier: pick(random, TIERS) };
    record.description = '';
    return pad(record, 'description', random);
  };

  const builders: Record<FakeKind, (index: number) => RawRecord> = {
    'fake-department': department,
    'fake-person': person,
    'fake-office': office,
    'fake-team': team,
    'fake-project': project,
  };

  return {
    config,
    count: (kind) => counts[kind],
    record(kind, index) {
      if (!Number.isSafeInteger(index) || index < 0 || index >= counts[kind]) {
        throw new RangeError(`Expected an index of ${kind} in [0, ${counts[kind]}), got ${index}`);
      }
      return builders[kind](index);
    },
    departmentOf(kind, index) {
      switch (kind) {
        case 'fake-department':
          return index;
        case 'fake-person':
          return personDepartment(index);
        case 'fake-team':
          return teamDepartment(index);
        case 'fake-project': {
          const j = projectTeam(index);
          return j === undefined ? undefined : teamDepartment(j);
        }
        case 'fake-office':
          return undefined;
      }
    },
    departmentIndex: (id) => indexOf('fake-department', id),
    departmentId: (index) => identifier('fake-department', index),
    identifier,
    indexOf,
  };
}
