/**
 * Consumer-group coordination as a Kafka broker does it (the classic, eager protocol):
 * members join, the coordinator waits until every known member has (re)joined or the
 * rebalance timeout passes, bumps the generation, names a leader and hands it everyone's
 * subscription metadata. The leader computes the assignment client-side and sends it in
 * SyncGroup; the coordinator only relays it. A member that leaves or stops heartbeating for its
 * session timeout is dropped and triggers the next rebalance. Committed offsets live here too.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCodes } from './protocol.js';

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface JoinRequest {
  memberId: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocol: string;
  leaderId: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  assignment: Buffer;
}

interface Member {
  id: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  pendingJoin?: ((result: JoinResult) => void) | undefined;
  pendingSync?: ((result: SyncResult) => void) | undefined;
  sessionTimer?: NodeJS.Timeout | undefined;
}

interface Group {
  id: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocol: string;
  leaderId: string;
  members: Map<string, Member>;
  rebalanceTimer?: NodeJS.Timeout | undefined;
  offsets: Map<string, { offset: bigint; metadata: string | null }>;
}

export interface GroupSnapshot {
  state: GroupState;
  generationId: number;
  protocol: string;
  leaderId: string;
  members: { memberId: string; clientId: string; assignment: Buffer }[];
  offsets: Record<string, string>;
}

const failedJoin = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocol: '',
  leaderId: '',
  memberId,
  members: [],
});

export function createGroupCoordinator() {
  const groups = new Map<string, Group>();

  function group(id: string): Group {
    let found = groups.get(id);
    if (!found) {
      found = {
        id,
        state: 'Empty',
        generationId: 0,
        protocolType: null,
        protocol: '',
        leaderId: '',
        members: new Map(),
        offsets: new Map(),
      };
      groups.set(id, found);
    }
    return found;
  }

  function touch(g: Group, member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = undefined;
    if (member.pendingJoin) return; // a member waiting in JoinGroup is covered by the rebalance timeout
    member.sessionTimer = setTimeout(() => removeMember(g, member.id), member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  function prepareRebalance(g: Group): void {
    for (const member of g.members.values()) {
      member.pendingSync?.({ errorCode: ErrorCodes.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
      member.pendingSync = undefined;
    }
    g.state = 'PreparingRebalance';
    clearTimeout(g.rebalanceTimer);
    const timeout = Math.max(...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    g.rebalanceTimer = setTimeout(() => completeJoin(g), timeout);
    g.rebalanceTimer.unref();
  }

  function maybeCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    if ([...g.members.values()].every((m) => m.pendingJoin !== undefined)) completeJoin(g);
  }

  function chooseProtocol(g: Group, leader: Member): string {
    const members = [...g.members.values()];
    const common = leader.protocols.find((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)));
    return common?.name ?? '';
  }

  function completeJoin(g: Group): void {
    clearTimeout(g.rebalanceTimer);
    g.rebalanceTimer = undefined;
    // Members that did not rejoin within the rebalance timeout are out.
    for (const member of [...g.members.values()]) {
      if (!member.pendingJoin) {
        clearTimeout(member.sessionTimer);
        g.members.delete(member.id);
      }
    }
    g.generationId += 1;
    if (g.members.size === 0) {
      g.state = 'Empty';
      g.leaderId = '';
      g.protocol = '';
      g.protocolType = null;
      return;
    }
    const leader = g.members.get(g.leaderId) ?? g.members.values().next().value!;
    g.leaderId = leader.id;
    g.protocol = chooseProtocol(g, leader);
    g.state = 'CompletingRebalance';
    const everyone = [...g.members.values()].map((m) => ({
      memberId: m.id,
      metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? Buffer.alloc(0),
    }));
    for (const member of g.members.values()) {
      const respond = member.pendingJoin!;
      member.pendingJoin = undefined;
      touch(g, member);
      respond({
        errorCode: ErrorCodes.NONE,
        generationId: g.generationId,
        protocol: g.protocol,
        leaderId: g.leaderId,
        memberId: member.id,
        members: member.id === g.leaderId ? everyone : [],
      });
    }
  }

  function removeMember(g: Group, memberId: string): void {
    const member = g.members.get(memberId);
    if (!member) return;
    clearTimeout(member.sessionTimer);
    g.members.delete(memberId);
    member.pendingJoin?.(failedJoin(ErrorCodes.UNKNOWN_MEMBER_ID));
    member.pendingSync?.({ errorCode: ErrorCodes.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) });
    if (g.members.size === 0) {
      clearTimeout(g.rebalanceTimer);
      g.rebalanceTimer = undefined;
      g.state = 'Empty';
      g.leaderId = '';
      g.protocolType = null;
      return;
    }
    if (g.state === 'PreparingRebalance') maybeCompleteJoin(g);
    else prepareRebalance(g);
  }

  function join(groupId: string, request: JoinRequest): Promise<JoinResult> {
    const g = group(groupId);
    if (request.protocolType === '' || request.protocols.length === 0) {
      return Promise.resolve(failedJoin(ErrorCodes.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }
    if (g.members.size > 0) {
      const others = [...g.members.values()].filter((m) => m.id !== request.memberId);
      const sharesProtocol = request.protocols.some((p) =>
        others.every((m) => m.protocols.some((q) => q.name === p.name)),
      );
      if (g.protocolType !== request.protocolType || !sharesProtocol) {
        return Promise.resolve(failedJoin(ErrorCodes.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
      }
    }
    if (request.memberId !== '' && !g.members.has(request.memberId)) {
      return Promise.resolve(failedJoin(ErrorCodes.UNKNOWN_MEMBER_ID, request.memberId));
    }

    let member = g.members.get(request.memberId);
    if (!member) {
      member = {
        id: `${request.clientId}-${randomUUID()}`,
        clientId: request.clientId,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: request.protocols,
        assignment: Buffer.alloc(0),
      };
      g.members.set(member.id, member);
    } else {
      member.sessionTimeoutMs = request.sessionTimeoutMs;
      member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
      member.protocols = request.protocols;
      member.pendingJoin?.(failedJoin(ErrorCodes.REBALANCE_IN_PROGRESS, member.id));
    }
    g.protocolType = request.protocolType;
    const joining = member;
    const result = new Promise<JoinResult>((resolve) => {
      joining.pendingJoin = resolve;
    });
    touch(g, member);
    if (g.state !== 'PreparingRebalance') prepareRebalance(g);
    maybeCompleteJoin(g);
    return result;
  }

  function sync(
    groupId: string,
    request: { generationId: number; memberId: string; assignments: { memberId: string; assignment: Buffer }[] },
  ): Promise<SyncResult> {
    const g = groups.get(groupId);
    const member = g?.members.get(request.memberId);
    const fail = (errorCode: number) => Promise.resolve({ errorCode, assignment: Buffer.alloc(0) });
    if (!g || !member) return fail(ErrorCodes.UNKNOWN_MEMBER_ID);
    if (request.generationId !== g.generationId) return fail(ErrorCodes.ILLEGAL_GENERATION);
    if (g.state === 'PreparingRebalance') return fail(ErrorCodes.REBALANCE_IN_PROGRESS);
    touch(g, member);
    if (g.state === 'Stable') return Promise.resolve({ errorCode: ErrorCodes.NONE, assignment: member.assignment });

    const result = new Promise<SyncResult>((resolve) => {
      member.pendingSync = resolve;
    });
    if (member.id === g.leaderId) {
      const byMember = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of g.members.values()) m.assignment = byMember.get(m.id) ?? Buffer.alloc(0);
      g.state = 'Stable';
      for (const m of g.members.values()) {
        m.pendingSync?.({ errorCode: ErrorCodes.NONE, assignment: m.assignment });
        m.pendingSync = undefined;
      }
    }
    return result;
  }

  function heartbeat(groupId: string, request: { generationId: number; memberId: string }): number {
    const g = groups.get(groupId);
    const member = g?.members.get(request.memberId);
    if (!g || !member) return ErrorCodes.UNKNOWN_MEMBER_ID;
    if (request.generationId !== g.generationId) return ErrorCodes.ILLEGAL_GENERATION;
    touch(g, member);
    return g.state === 'PreparingRebalance' ? ErrorCodes.REBALANCE_IN_PROGRESS : ErrorCodes.NONE;
  }

  function leave(groupId: string, memberId: string): number {
    const g = groups.get(groupId);
    if (!g?.members.has(memberId)) return ErrorCodes.UNKNOWN_MEMBER_ID;
    removeMember(g, memberId);
    return ErrorCodes.NONE;
  }

  /** Validates a commit's generation; returns the error code for every partition of the request. */
  function checkCommit(groupId: string, request: { generationId: number; memberId: string }): number {
    // generation -1 with no member: a "simple" commit from outside any group generation.
    if (request.generationId < 0 && request.memberId === '') return ErrorCodes.NONE;
    const g = groups.get(groupId);
    const member = g?.members.get(request.memberId);
    if (!g || !member) return ErrorCodes.UNKNOWN_MEMBER_ID;
    if (request.generationId !== g.generationId) return ErrorCodes.ILLEGAL_GENERATION;
    if (g.state === 'CompletingRebalance') return ErrorCodes.REBALANCE_IN_PROGRESS;
    touch(g, member);
    return ErrorCodes.NONE;
  }

  function commitOffset(groupId: string, topic: string, partition: number, offset: bigint, metadata: string | null) {
    group(groupId).offsets.set(`${topic}/${partition}`, { offset, metadata });
  }

  function committedOffset(groupId: string, topic: string, partition: number) {
    return groups.get(groupId)?.offsets.get(`${topic}/${partition}`);
  }

  function snapshot(groupId: string): GroupSnapshot | undefined {
    const g = groups.get(groupId);
    if (!g) return undefined;
    return {
      state: g.state,
      generationId: g.generationId,
      protocol: g.protocol,
      leaderId: g.leaderId,
      members: [...g.members.values()].map((m) => ({ memberId: m.id, clientId: m.clientId, assignment: m.assignment })),
      offsets: Object.fromEntries([...g.offsets].map(([key, value]) => [key, value.offset.toString()])),
    };
  }

  function close(): void {
    for (const g of groups.values()) {
      clearTimeout(g.rebalanceTimer);
      for (const member of g.members.values()) {
        clearTimeout(member.sessionTimer);
        member.pendingJoin?.(failedJoin(ErrorCodes.COORDINATOR_NOT_AVAILABLE, member.id));
        member.pendingSync?.({ errorCode: ErrorCodes.COORDINATOR_NOT_AVAILABLE, assignment: Buffer.alloc(0) });
      }
    }
  }

  return { join, sync, heartbeat, leave, checkCommit, commitOffset, committedOffset, snapshot, close };
}

export type GroupCoordinator = ReturnType<typeof createGroupCoordinator>;
