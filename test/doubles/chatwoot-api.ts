import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';

/**
 * A DOUBLE of Chatwoot's Application API (not Chatwoot): just the three reads the reconciler uses,
 * served over real HTTP so the client's paging, timeouts, 429/Retry-After and 5xx handling cross a
 * real wire. Built from chatwoot/chatwoot's own definitions:
 * - app/finders/conversation_finder.rb: status filter (`all` = any), `latest` order (last activity
 *   desc), Kaminari pages (25 a page, Conversation's default page size in the dashboard);
 * - app/views/api/v1/accounts/conversations/index.json.jbuilder: `{data: {meta: {mine_count,
 *   assigned_count, unassigned_count, all_count}, payload: [...]}}`;
 * - app/views/api/v1/conversations/partials/_conversation.json.jbuilder: the conversation view
 *   (`meta.sender/channel/assignee/assignee_type/team/hmac_verified`, display id as `id`, the last
 *   message as `messages`, unix-int times with 0 for never, `updated_at` float), no `contact_inbox`;
 * - app/finders/message_finder.rb: `after` (id > after, oldest first, 100), `before` (the 20 before),
 *   both (between, 1000), neither (the latest 20);
 * - app/views/api/v1/accounts/conversations/messages/index.json.jbuilder and
 *   app/views/api/v1/models/_message.json.jbuilder: `{meta, payload: [...]}`, integer message_type,
 *   unix-int created_at, attachments only when present;
 * - swagger/paths/application/conversation/messages/index.yml (`api_access_token` header auth).
 * The data comes from the same webhook fixtures the other tests use (../shared/docs/real-payloads.md
 * variants), turned into API views by `apiViews*` below.
 */

export type Json = Record<string, unknown>;

export interface DoubleState {
  accountId: number;
  conversations: Json[];
  /** Messages by conversation display id, in id order. */
  messages: Map<number, Json[]>;
}

export interface Fault {
  status: number;
  retryAfter?: string;
  /** Only requests whose path contains this. */
  pathIncludes?: string;
}

export interface ChatwootApiDouble {
  url: string;
  token: string;
  state: DoubleState;
  /** The next matching requests answer these, in order (429 with Retry-After, 5xx…). */
  faults: Fault[];
  /** Paths (with query) of every request received, for assertions on what was fetched. */
  requests: string[];
  close(): Promise<void>;
}

const PAGE_SIZE = 25;

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  // Rails escapes <, > and & in JSON as the webhooks do (ActiveSupport escape_html_entities_in_json).
  res.end(chatwootJson(body));
};

const messagesFor = (all: Json[], query: URLSearchParams): Json[] => {
  const id = (m: Json) => m.id as number;
  const after = query.get('after');
  const before = query.get('before');
  if (after !== null && before !== null)
    return all.filter((m) => id(m) >= Number(after) && id(m) < Number(before)).slice(0, 1000);
  if (before !== null) return all.filter((m) => id(m) < Number(before)).slice(-20);
  if (after !== null) return all.filter((m) => id(m) > Number(after)).slice(0, 100);
  return all.slice(-20);
};

const route = (state: DoubleState, req: IncomingMessage, url: URL): { status: number; body: unknown } => {
  const match = /^\/api\/v1\/accounts\/(\d+)\/conversations(?:\/(\d+)(\/messages)?)?\/?$/.exec(url.pathname);
  if (match === null || req.method !== 'GET')
    return { status: 404, body: { error: 'Resource could not be found' } };
  if (Number(match[1]) !== state.accountId)
    return { status: 401, body: { error: 'You are not authorized to access this account' } };
  const byActivity = [...state.conversations].sort(
    (a, b) =>
      (b.last_activity_at as number) - (a.last_activity_at as number) || (b.id as number) - (a.id as number),
  );
  if (match[2] === undefined) {
    const status = url.searchParams.get('status') ?? 'open';
    const chosen = status === 'all' ? byActivity : byActivity.filter((c) => c.status === status);
    const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
    const unassigned = chosen.filter((c) => (c.meta as Json | undefined)?.assignee === undefined).length;
    return {
      status: 200,
      body: {
        data: {
          meta: {
            mine_count: 0,
            assigned_count: chosen.length - unassigned,
            unassigned_count: unassigned,
            all_count: chosen.length,
          },
          payload: chosen.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
        },
      },
    };
  }
  const conversation = state.conversations.find((c) => c.id === Number(match[2]));
  if (conversation === undefined) return { status: 404, body: { error: 'Resource could not be found' } };
  if (match[3] === undefined) return { status: 200, body: conversation };
  const meta = conversation.meta as Json;
  return {
    status: 200,
    body: {
      meta: {
        labels: conversation.labels,
        additional_attributes: conversation.additional_attributes,
        contact: meta.sender,
        ...(meta.assignee === undefined ? {} : { assignee: meta.assignee }),
        agent_last_seen_at: conversation.agent_last_seen_at,
      },
      payload: messagesFor(state.messages.get(conversation.id as number) ?? [], url.searchParams),
    },
  };
};

/** Starts the double on a free port. `token` is the only `api_access_token` it accepts. */
export const startChatwootApiDouble = async (
  state: DoubleState,
  options: { token?: string; port?: number; host?: string } = {},
): Promise<ChatwootApiDouble> => {
  const token = options.token ?? 'double-access-token-0123456789';
  const faults: Fault[] = [];
  const requests: string[] = [];
  const holder = { state };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://double');
    requests.push(`${url.pathname}${url.search}`);
    const index = faults.findIndex(
      (f) => f.pathIncludes === undefined || url.pathname.includes(f.pathIncludes),
    );
    if (index >= 0) {
      const [fault] = faults.splice(index, 1);
      const headers: Record<string, string> =
        fault!.retryAfter === undefined ? {} : { 'retry-after': fault!.retryAfter };
      send(
        res,
        fault!.status,
        { error: fault!.status === 429 ? 'Too many requests' : 'Internal Server Error' },
        headers,
      );
      return;
    }
    // Chatwoot answers a bad or missing token with 401 (Api::V1::Accounts::BaseController via the token auth).
    if (req.headers.api_access_token !== token) {
      send(res, 401, { errors: ['You need to sign in or sign up before continuing.'] });
      return;
    }
    const { status, body } = route(holder.state, req, url);
    send(res, status, body);
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    get state() {
      return holder.state;
    },
    set state(next: DoubleState) {
      holder.state = next;
    },
    faults,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
};

// ---------------------------------------------------------------------------------------------
// Views: webhook fixture shapes → the API's jbuilder shapes

const unix = (value: unknown): number => {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? Math.trunc(ms / 1000) : 0;
  }
  return 0;
};
const messageTypeNumber: Record<string, number> = { incoming: 0, outgoing: 1, activity: 2, template: 3 };

/** A message as `_message.json.jbuilder` renders it, from a webhook message (top level or snapshot). */
export const apiMessageView = (message: Json, conversationId: number): Json => {
  const type = message.message_type;
  const view: Json = {
    id: message.id,
    content: message.content ?? null,
    inbox_id: message.inbox_id ?? (message.inbox as Json | undefined)?.id ?? null,
    conversation_id: conversationId,
    message_type: typeof type === 'string' ? messageTypeNumber[type] : type,
    content_type: message.content_type ?? 'text',
    content_attributes: message.content_attributes ?? {},
    created_at: unix(message.created_at),
    private: message.private ?? false,
    source_id: message.source_id ?? null,
  };
  const sender = message.sender as Json | null | undefined;
  // push_event_data: a contact's carries type "contact"; users "user"; bots "agent_bot".
  if (sender != null) view.sender = { type: 'contact', ...sender };
  const attachments = message.attachments as unknown[] | undefined;
  if (attachments !== undefined && attachments.length > 0) view.attachments = attachments;
  return view;
};

/** A conversation as `_conversation.json.jbuilder` renders it, from a webhook conversation (real shape). */
export const apiConversationView = (c: Json, accountId: number): Json => {
  const meta = (c.meta as Json | undefined) ?? {};
  const assignee = meta.assignee as Json | null | undefined;
  const viewMeta: Json = {
    sender: { ...(meta.sender as Json), availability_status: 'offline' },
    channel: c.channel ?? null,
    hmac_verified: meta.hmac_verified ?? false,
  };
  if (assignee != null) {
    viewMeta.assignee = assignee;
    viewMeta.assignee_type = assignee.type === 'agent_bot' ? 'AgentBot' : 'User';
  }
  if (meta.team != null)
    viewMeta.team = {
      ...(meta.team as Json),
      description: null,
      allow_auto_assign: true,
      account_id: accountId,
      is_member: false,
    };
  const messages = (c.messages as Json[] | undefined) ?? [];
  return {
    meta: viewMeta,
    id: c.id,
    messages: messages.slice(-1),
    account_id: accountId,
    uuid: `00000000-0000-4000-8000-${String(c.id).padStart(12, '0')}`,
    additional_attributes: c.additional_attributes ?? {},
    agent_last_seen_at: unix(c.agent_last_seen_at),
    assignee_last_seen_at: 0,
    can_reply: c.can_reply ?? true,
    contact_last_seen_at: unix(c.contact_last_seen_at),
    custom_attributes: c.custom_attributes ?? {},
    inbox_id: c.inbox_id,
    labels: c.labels ?? [],
    muted: false,
    snoozed_until: c.snoozed_until ?? null,
    status: c.status,
    created_at: unix(c.created_at),
    updated_at: c.updated_at,
    timestamp: unix(c.last_activity_at ?? c.timestamp),
    first_reply_created_at: unix(c.first_reply_created_at),
    unread_count: c.unread_count ?? 0,
    last_non_activity_message: messages.at(-1) ?? null,
    last_activity_at: unix(c.last_activity_at ?? c.timestamp),
    priority: c.priority ?? null,
    waiting_since: unix(c.waiting_since),
    sla_policy_id: null,
  };
};

/**
 * What the API shows after these webhook bodies (in sending order): per conversation the newest
 * snapshot (highest `updated_at`), per message its newest top-level form. The state at any step of a
 * story is `apiStateAfter(bodies.slice(0, step))`.
 */
export const apiStateAfter = (accountId: number, bodies: readonly Json[]): DoubleState => {
  const conversations = new Map<number, Json>();
  const messages = new Map<number, Map<number, Json>>();
  const seeConversation = (c: Json | null | undefined): void => {
    if (c == null || typeof c.id !== 'number') return;
    const current = conversations.get(c.id);
    if (current === undefined || (current.updated_at as number) <= (c.updated_at as number))
      conversations.set(c.id, c);
  };
  for (const body of bodies) {
    if (body.event === 'message_created' || body.event === 'message_updated') {
      const message = body as Json;
      const conversation = message.conversation as Json | undefined;
      const conversationId = (conversation?.display_id ??
        conversation?.id ??
        message.conversation_id) as number;
      const list = messages.get(conversationId) ?? new Map<number, Json>();
      list.set(message.id as number, message);
      messages.set(conversationId, list);
      seeConversation(conversation);
    } else if (typeof body.event === 'string' && body.event.startsWith('conversation_'))
      seeConversation(body);
    else if (body.event === 'webwidget_triggered') seeConversation(body.current_conversation as Json | null);
  }
  return {
    accountId,
    conversations: [...conversations.values()].map((c) => apiConversationView(c, accountId)),
    messages: new Map(
      [...messages].map(([id, list]) => [
        id,
        [...list.values()]
          .sort((a, b) => (a.id as number) - (b.id as number))
          .map((m) => apiMessageView(m, id)),
      ]),
    ),
  };
};
