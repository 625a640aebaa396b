import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Look-alikes of the APIs of Ocean Custom's bundled examples (Canny, Slack, HubSpot, Zendesk,
 * the dynamic-endpoints demo), in their real response shapes and pagination, with data that
 * passes the examples' blueprints.
 */

const created = (n: number) => new Date(Date.UTC(2024, 2, 1 + n)).toISOString();

export const CANNY = {
  apiKey: 'canny-key-7d1',
  boards: [0, 1].map((n) => ({ id: `board-${n}`, name: `Board ${n}`, url: `https://acme.canny.io/board-${n}`, postCount: 2, isPrivate: n === 1, token: `tok-${n}`, created: created(n) })),
  categories: [0, 1].map((n) => ({ id: `cat-${n}`, name: `Category ${n}`, url: `https://acme.canny.io/cat-${n}`, postCount: 1, created: created(n), board: { id: `board-${n}` } })),
  posts: [0, 1, 2].map((n) => ({
    id: `post-${n}`,
    title: `Post ${n}`,
    details: `Details of post ${n}`,
    url: `https://acme.canny.io/p/post-${n}`,
    score: n * 3,
    status: ['open', 'planned', 'complete'][n],
    commentCount: n,
    created: created(n),
    eta: `2024-0${n + 4}`,
    imageURLs: [],
    author: { email: `author${n}@example.com`, name: `Author ${n}` },
    owner: { email: `owner${n}@example.com`, name: `Owner ${n}` },
    tags: [{ name: 'ui' }, { name: `t${n}` }],
    board: { id: `board-${n % 2}` },
    category: { id: `cat-${n % 2}` },
  })),
  companies: [0, 1].map((n) => ({ id: `company-${n}`, name: `Company ${n}`, created: created(n), customFields: { tier: n }, monthlySpend: 100 * (n + 1) })),
  votes: [0, 1, 2, 3].map((n) => ({ id: `vote-${n}`, voter: { email: `voter${n}@example.com`, name: `Voter ${n}` }, created: created(n), post: { id: `post-${n % 3}` } })),
};

export const SLACK = {
  token: 'xoxb-slack-token-1',
  members: Array.from({ length: 7 }, (_, n) => ({
    id: `U${n}`,
    name: `user${n}`,
    real_name: `User ${n}`,
    is_admin: n === 0,
    is_bot: n === 6,
    tz: 'Europe/Paris',
    profile: { email: `user${n}@example.com`, display_name: `u${n}`, status_text: '', status_emoji: '', image_512: `https://img.example.com/${n}.png` },
  })),
  channels: Array.from({ length: 5 }, (_, n) => ({
    id: `C${n}`,
    name: `channel-${n}`,
    is_private: false,
    is_archived: false,
    num_members: n + 1,
    created: 1700000000 + n,
    updated: 1700000100 + n,
    creator: 'U0',
    context_team_id: 'T1',
    topic: { value: `topic ${n}` },
    purpose: { value: `purpose ${n}` },
  })),
  team: { id: 'T1', name: 'Acme', domain: 'acme', email_domain: 'acme.com', icon: { image_132: 'https://img.example.com/team.png' } },
};

export const HUBSPOT = {
  token: 'hubspot-token-9',
  objects: {
    contacts: Array.from({ length: 5 }, (_, n) => ({
      id: `${100 + n}`,
      properties: { email: `c${n}@example.com`, firstname: `First${n}`, lastname: `Last${n}`, phone: '555', company: 'Acme', lifecyclestage: 'lead', associatedcompanyid: `${200 + (n % 2)}` },
      createdAt: created(n),
      updatedAt: created(n + 1),
    })),
    companies: Array.from({ length: 2 }, (_, n) => ({
      id: `${200 + n}`,
      properties: { name: `Co ${n}`, domain: `co${n}.example.com`, industry: 'Software', city: 'Paris', state: 'IDF', country: 'FR', numberofemployees: '10', annualrevenue: '1000' },
      createdAt: created(n),
      updatedAt: created(n + 1),
    })),
  } as Record<string, unknown[]>,
};

export const ZENDESK = {
  users: [0, 1].map((n) => ({ id: 10 + n, name: `Agent ${n}`, email: `agent${n}@example.com`, role: 'agent', organization_id: 1, photo: null, active: true, verified: true })),
  organizations: [{ id: 1, name: 'Acme', url: 'https://acme.zendesk.com/api/v2/organizations/1.json', created_at: created(0), updated_at: created(1) }],
  tickets: Array.from({ length: 5 }, (_, n) => ({
    id: 1000 + n,
    subject: `Ticket ${n}`,
    status: 'open',
    priority: 'normal',
    requester_id: 10,
    url: `https://acme.zendesk.com/api/v2/tickets/${1000 + n}.json`,
    created_at: created(n),
    updated_at: created(n),
    description: `Ticket ${n} description`,
  })),
  comments: (ticketId: number) =>
    [0, 1].map((n) => ({ id: ticketId * 10 + n, type: 'Comment', body: `Comment ${n} on ${ticketId}\nsecond line`, html_body: '<p>c</p>', plain_body: 'c', public: true, author_id: 10, created_at: created(n), via: { channel: 'web' }, audit_id: ticketId * 100 + n })),
};

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

function bearer(token: string, handler: Handler): Handler {
  return (request, reply) => {
    if (request.headers.authorization !== `Bearer ${token}`) return reply.code(401).send({ ok: false, error: 'invalid_auth' });
    return handler(request, reply);
  };
}

/** Registers the example APIs under /canny, /slack, /hubspot, /zendesk and /demo. */
export function registerExampleApis(app: FastifyInstance): void {
  // Canny: POST .../list with the API key in the query string (its docs' base URL trick) or body.
  for (const collection of ['boards', 'categories', 'posts', 'companies', 'votes'] as const) {
    app.post(`/canny/api/v1/${collection}/list`, async (request, reply) => {
      const key = (request.query as Record<string, string>)['apiKey'] ?? (request.body as Record<string, string> | undefined)?.['apiKey'];
      if (key !== CANNY.apiKey) return reply.code(401).send({ error: 'invalid api key' });
      return { [collection]: CANNY[collection], hasMore: false };
    });
  }

  // Slack: cursor pagination in response_metadata.next_cursor (empty at the end), no has_more.
  const slackList = (key: 'members' | 'channels') =>
    bearer(SLACK.token, (request) => {
      const query = request.query as Record<string, string>;
      const limit = Number(query['limit'] ?? 100);
      const start = query['cursor'] ? Number(Buffer.from(query['cursor'], 'base64url').toString()) : 0;
      const all = SLACK[key];
      const page = all.slice(start, start + limit);
      const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : '';
      return { ok: true, [key]: page, response_metadata: { next_cursor: next } };
    });
  for (const prefix of ['/slack/api', '/slack']) {
    app.get(`${prefix}/users.list`, slackList('members'));
    app.get(`${prefix}/conversations.list`, slackList('channels'));
    app.get(`${prefix}/team.info`, bearer(SLACK.token, () => ({ ok: true, team: SLACK.team })));
  }

  // HubSpot CRM v3: paging.next.after, absent on the last page.
  app.get(
    '/hubspot/crm/v3/objects/:object',
    bearer(HUBSPOT.token, (request, reply) => {
      const { object } = request.params as { object: string };
      const all = HUBSPOT.objects[object] ?? (object === 'deals' || object === '2-24903472' ? [] : undefined);
      if (all === undefined) return reply.code(404).send({ status: 'error', message: `unknown object ${object}` });
      const query = request.query as Record<string, string>;
      const limit = Number(query['limit'] ?? 10);
      const start = Number(query['after'] ?? 0);
      const results = all.slice(start, start + limit);
      const body: Record<string, unknown> = { results };
      if (start + limit < all.length) body['paging'] = { next: { after: String(start + limit), link: `?after=${start + limit}` } };
      return body;
    }),
  );

  // Zendesk: offset-less next_page URLs; comments under each ticket.
  const zendeskList = (key: 'users' | 'tickets' | 'organizations') => (request: FastifyRequest) => {
    const query = request.query as Record<string, string>;
    const perPage = Number(query['per_page'] ?? 100);
    const page = Number(query['page'] ?? 1);
    const all = ZENDESK[key];
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const origin = `http://${request.headers.host}`;
    return { [key]: slice, next_page: page * perPage < all.length ? `${origin}/zendesk/api/v2/${key}.json?page=${page + 1}&per_page=${perPage}` : null, count: all.length };
  };
  app.get('/zendesk/api/v2/users.json', zendeskList('users'));
  app.get('/zendesk/api/v2/tickets.json', zendeskList('tickets'));
  app.get('/zendesk/api/v2/organizations.json', zendeskList('organizations'));
  app.get('/zendesk/api/v2/tickets/:id/comments.json', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    if (!ZENDESK.tickets.some((ticket) => ticket.id === id)) return reply.code(404).send({ error: 'RecordNotFound' });
    return { comments: ZENDESK.comments(id), next_page: null, count: 2 };
  });
}
