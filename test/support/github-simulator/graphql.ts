import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import type { GithubWorld, SimOrg } from './world.js';

/**
 * The part of GitHub's GraphQL schema the plugin queries (teams with members, organization
 * members, SAML identities), with GitHub's type and field names, executed by graphql-js: a
 * query GitHub would reject for a wrong field or argument is rejected here too.
 */
const SDL = /* GraphQL */ `
  type Query {
    organization(login: String!): Organization
    rateLimit: RateLimit
  }
  type RateLimit { cost: Int! limit: Int! remaining: Int! resetAt: String! }
  type PageInfo { hasNextPage: Boolean! endCursor: String hasPreviousPage: Boolean! startCursor: String }
  type Organization {
    login: String!
    teams(first: Int, after: String): TeamConnection!
    team(slug: String!): Team
    membersWithRole(first: Int, after: String): OrganizationMemberConnection!
    samlIdentityProvider: OrganizationIdentityProvider
  }
  type TeamConnection { nodes: [Team] pageInfo: PageInfo! totalCount: Int! }
  enum TeamPrivacy { SECRET VISIBLE }
  enum TeamNotificationSetting { NOTIFICATIONS_ENABLED NOTIFICATIONS_DISABLED }
  type Team {
    slug: String!
    id: ID!
    databaseId: Int
    name: String!
    description: String
    privacy: TeamPrivacy!
    notificationSetting: TeamNotificationSetting!
    url: String!
    members(first: Int, after: String): TeamMemberConnection!
  }
  type TeamMemberConnection { nodes: [User] pageInfo: PageInfo! totalCount: Int! }
  type OrganizationMemberConnection { nodes: [User] pageInfo: PageInfo! totalCount: Int! }
  type User { login: String! id: ID! databaseId: Int email: String! name: String isSiteAdmin: Boolean! }
  type OrganizationIdentityProvider { ssoUrl: String externalIdentities(first: Int, after: String): ExternalIdentityConnection! }
  type ExternalIdentityConnection { edges: [ExternalIdentityEdge] pageInfo: PageInfo! }
  type ExternalIdentityEdge { node: ExternalIdentity cursor: String! }
  type ExternalIdentity { guid: String! samlIdentity: ExternalIdentitySamlAttributes user: User }
  type ExternalIdentitySamlAttributes { nameId: String emails: [UserEmailMetadata!] }
  type UserEmailMetadata { primary: Boolean type: String value: String! }
`;

let schema: GraphQLSchema | undefined;

function connection<T>(items: T[], args: { first?: number | null; after?: string | null }): { nodes: T[]; edges: { node: T; cursor: string }[]; pageInfo: Record<string, unknown>; totalCount: number } {
  const first = Math.min(args.first ?? 100, 100);
  const start = args.after ? Number(Buffer.from(args.after, 'base64').toString('utf8').replace('cursor:', '')) : 0;
  const nodes = items.slice(start, start + first);
  const end = start + nodes.length;
  return {
    nodes,
    edges: nodes.map((node, index) => ({ node, cursor: Buffer.from(`cursor:${start + index + 1}`).toString('base64') })),
    pageInfo: { hasNextPage: end < items.length, endCursor: nodes.length > 0 ? Buffer.from(`cursor:${end}`).toString('base64') : null, hasPreviousPage: start > 0, startCursor: null },
    totalCount: items.length,
  };
}

function organizationResolver(world: GithubWorld, org: SimOrg) {
  const memberOf = (login: string) => org.members.find((member) => member.login === login) ?? { login, id: `U_${login}`, databaseId: 0, email: '', name: login, isSiteAdmin: false };
  const teamNode = (team: SimOrg['teams'][number]) => ({ ...team.graphql, members: (args: { first?: number; after?: string }) => connection(team.members.map(memberOf), args) });
  return {
    login: org.login,
    teams: (args: { first?: number; after?: string }) => connection(org.teams.map(teamNode), args),
    team: ({ slug }: { slug: string }) => {
      const team = org.teams.find((candidate) => candidate.rest['slug'] === slug);
      return team === undefined ? null : teamNode(team);
    },
    membersWithRole: (args: { first?: number; after?: string }) => connection(org.members, args),
    samlIdentityProvider:
      org.saml === undefined
        ? null
        : {
            ssoUrl: `https://sso.example.com/${org.login}`,
            externalIdentities: (args: { first?: number; after?: string }) =>
              connection(
                [...org.saml!].map(([login, email]) => ({ guid: `guid-${login}`, samlIdentity: { nameId: email, emails: [{ primary: true, type: 'work', value: email }] }, user: memberOf(login) })),
                args,
              ),
          },
  };
  void world;
}

export async function executeGraphql(world: GithubWorld, body: { query?: unknown; variables?: unknown }): Promise<{ status: number; body: unknown }> {
  schema ??= buildSchema(SDL);
  if (typeof body.query !== 'string') return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql' } };
  const result = await graphql({
    schema,
    source: body.query,
    variableValues: (body.variables ?? {}) as Record<string, unknown>,
    rootValue: {
      organization: ({ login }: { login: string }) => {
        const org = world.org(login);
        return org === undefined ? null : organizationResolver(world, org);
      },
      rateLimit: { cost: 1, limit: 5000, remaining: 4999, resetAt: new Date(Date.now() + 3600_000).toISOString() },
    },
  });
  const errors = result.errors?.map((error) => ({ message: error.message, locations: error.locations, path: error.path, type: error.path ? 'NOT_FOUND' : undefined }));
  return { status: 200, body: { ...(result.data === undefined ? {} : { data: result.data }), ...(errors ? { errors } : {}) } };
}
