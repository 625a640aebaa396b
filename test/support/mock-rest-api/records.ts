/**
 * Records of the mock API, each a pure function of its index, so a collection of any size is
 * served without being held and every test knows what to expect.
 */

export interface Item {
  id: string;
  index: number;
  name: string;
  status: 'active' | 'inactive';
  team_id: string;
  created_at: string;
  pad?: string;
}

/** Teams in the generic collection; items are spread over them round-robin. */
export const TEAM_COUNT = 5;

export function itemId(index: number): string {
  return `item-${String(index).padStart(6, '0')}`;
}

export function item(index: number, padBytes = 0): Item {
  const record: Item = {
    id: itemId(index),
    index,
    name: `Item ${index}`,
    status: index % 3 === 2 ? 'inactive' : 'active',
    team_id: `team-${index % TEAM_COUNT}`,
    created_at: new Date(Date.UTC(2024, 0, 1) + index * 60_000).toISOString(),
  };
  if (padBytes > 0) record.pad = 'x'.repeat(padBytes);
  return record;
}

/** Items `from` (inclusive) to `to` (exclusive), clipped to the collection. */
export function items(from: number, to: number, total: number, padBytes = 0): Item[] {
  const out: Item[] = [];
  for (let index = Math.max(0, from); index < Math.min(to, total); index++) out.push(item(index, padBytes));
  return out;
}

export interface Team {
  id: string;
  name: string;
  description: string;
  member_count: number;
  status: 'active' | 'archived';
}

export const TEAMS: Team[] = Array.from({ length: TEAM_COUNT }, (_, i) => ({
  id: `team-${i}`,
  name: `Team ${i}`,
  description: `The ${i}th team`,
  member_count: 3,
  status: i === 4 ? 'archived' : 'active',
}));

export function teamMembers(teamId: string): { user_id: string; name: string; email: string; role: string; team_id: string }[] {
  return [0, 1, 2].map((n) => ({ user_id: `${teamId}-user-${n}`, name: `Member ${n} of ${teamId}`, email: `m${n}.${teamId}@example.com`, role: n === 0 ? 'lead' : 'member', team_id: teamId }));
}
