import type { ResyncHandler } from '../../../src/sdk/index.js';
import type { CallOptions, GithubClient } from '../client/github-client.js';
import { callOf, mappingSettingsOf, organizations, type Json, type KindContext } from './context.js';
import { selectorReader } from './selectors.js';

/** `organization`: the synced organizations (see `organizations`). */
export function organizationKind(context: KindContext): ResyncHandler {
  return async function* (request) {
    yield* organizations(context, mappingSettingsOf(request), callOf(request));
  };
}

const MEMBERS_QUERY = /* GraphQL */ `
  query OrgMembers($organization: String!, $first: Int = 100, $after: String) {
    organization(login: $organization) {
      membersWithRole(first: $first, after: $after) {
        nodes { login id databaseId email name }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const SAML_QUERY = /* GraphQL */ `
  query SamlIdentities($organization: String!, $first: Int = 100, $after: String) {
    organization(login: $organization) {
      samlIdentityProvider {
        externalIdentities(first: $first, after: $after) {
          edges { node { samlIdentity { nameId } user { login } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

const TEAMS_QUERY = /* GraphQL */ `
  query TeamsWithMembers($organization: String!, $first: Int = 25, $after: String, $memberFirst: Int = 50) {
    organization(login: $organization) {
      teams(first: $first, after: $after) {
        nodes {
          slug id databaseId name description privacy notificationSetting url
          members(first: $memberFirst) { nodes { login name email isSiteAdmin } pageInfo { hasNextPage endCursor } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const TEAM_MEMBERS_QUERY = /* GraphQL */ `
  query TeamMembers($organization: String!, $slug: String!, $memberFirst: Int = 100, $memberAfter: String) {
    organization(login: $organization) {
      team(slug: $slug) { members(first: $memberFirst, after: $memberAfter) { nodes { login name email isSiteAdmin } pageInfo { hasNextPage endCursor } } }
    }
  }
`;

interface Connection<T> {
  nodes?: T[];
  edges?: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Pages of a GraphQL connection found at `path` in the answer. */
async function* graphqlPages<T>(client: GithubClient, query: string, variables: Json, path: string[], call: CallOptions): AsyncGenerator<T[]> {
  let after: string | null = null;
  for (;;) {
    const data: Json = await client.graphql(query, { ...variables, after }, call);
    const connection = path.reduce<any>((node, key) => node?.[key], data) as Connection<T> | null | undefined;
    if (connection === null || connection === undefined) return;
    yield (connection.nodes ?? connection.edges ?? []) as T[];
    if (!connection.pageInfo.hasNextPage) return;
    after = connection.pageInfo.endCursor;
  }
}

/**
 * `user`: the organization's members (GraphQL `membersWithRole`: login, id, databaseId,
 * email, name); `includeBots: false` leaves out `[bot]` accounts. Members without a public
 * email get their SAML identity's, when the organization uses SAML (as Ocean).
 */
export function userKind(context: KindContext): ResyncHandler {
  return async function* (request) {
    const call = callOf(request);
    const includeBots = selectorReader(request.kind, request.selector).bool('includeBots', true);
    for await (const orgs of organizations(context, mappingSettingsOf(request), call)) {
      for (const org of orgs) {
        const login = String(org['login']);
        let saml: Map<string, string> | undefined;
        for await (const page of graphqlPages<Json>(context.client, MEMBERS_QUERY, { organization: login }, ['organization', 'membersWithRole'], call)) {
          const users = page.filter((user) => user !== null && (includeBots || !String(user['login']).endsWith('[bot]')));
          if (users.some((user) => !user['email'])) {
            saml ??= await samlEmails(context.client, login, call);
            for (const user of users) if (!user['email'] && saml.has(user['login'])) user['email'] = saml.get(user['login']);
          }
          if (users.length > 0) yield users;
        }
      }
    }
  };
}

async function samlEmails(client: GithubClient, organization: string, call: CallOptions): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  try {
    for await (const edges of graphqlPages<Json>(client, SAML_QUERY, { organization }, ['organization', 'samlIdentityProvider', 'externalIdentities'], call)) {
      for (const edge of edges) {
        const login = edge?.['node']?.['user']?.['login'];
        const nameId = edge?.['node']?.['samlIdentity']?.['nameId'];
        if (typeof login === 'string' && typeof nameId === 'string') emails.set(login, nameId);
      }
    }
  } catch (error) {
    // Organizations without SAML, or tokens without the admin:org scope.
    if ((error as { name?: string }).name !== 'GraphqlResponseError') throw error;
  }
  return emails;
}

/**
 * `team`: with `members: true` (the default) the GraphQL team with its members
 * (`members.nodes`, every page); with `members: false` the REST team (`GET /orgs/{org}/teams`).
 */
export function teamKind(context: KindContext): ResyncHandler {
  return async function* (request) {
    const call = callOf(request);
    const withMembers = selectorReader(request.kind, request.selector).bool('members', true);
    for await (const orgs of organizations(context, mappingSettingsOf(request), call)) {
      for (const org of orgs) {
        const login = String(org['login']);
        if (!withMembers) {
          yield* context.client.pages('GET /orgs/{org}/teams', { org: login }, call);
          continue;
        }
        for await (const teams of graphqlPages<Json>(context.client, TEAMS_QUERY, { organization: login }, ['organization', 'teams'], call)) {
          yield await Promise.all(teams.map((team) => completeMembers(context.client, login, team, call)));
        }
      }
    }
  };
}

/** Teams with more members than the first page get the rest, so `members.nodes` is whole. */
export async function completeMembers(client: GithubClient, organization: string, team: Json, call: CallOptions): Promise<Json> {
  const members = team['members'] as Connection<Json>;
  const nodes = [...(members.nodes ?? [])];
  let pageInfo = members.pageInfo;
  while (pageInfo.hasNextPage) {
    const data: Json = await client.graphql(TEAM_MEMBERS_QUERY, { organization, slug: team['slug'], memberAfter: pageInfo.endCursor }, call);
    const next = data['organization']?.['team']?.['members'] as Connection<Json> | undefined;
    if (next === undefined) break;
    nodes.push(...(next.nodes ?? []));
    pageInfo = next.pageInfo;
  }
  const { pageInfo: _dropped, ...rest } = members;
  return { ...team, members: { ...rest, nodes } };
}

export { TEAMS_QUERY, TEAM_MEMBERS_QUERY };
