import { getContact } from '../lib/store/contact.ts';
import {
  type ConversationRecord,
  getConversation,
  listContactConversations,
} from '../lib/store/conversation.ts';
import { getInbox } from '../lib/store/inbox.ts';
import { listMessages, type MessageRecord } from '../lib/store/message.ts';
import { listStatusHistory } from '../lib/store/status-history.ts';
import { getTeam } from '../lib/store/team.ts';
import { getUser } from '../lib/store/user.ts';
import { listWidgetVisits } from '../lib/store/widget-visit.ts';
import type { StoreDeps } from '../lib/store/write.ts';

/**
 * What `mhub conversation --json` and `mhub contact --json` print, built from the entity modules'
 * access-pattern functions. The e2e tests read state through these very functions.
 */

/** The message fields issue 4 names for `mhub conversation --json`, straight from the stored record. */
export type MessageView = Pick<
  MessageRecord,
  | 'id'
  | 'message_type'
  | 'private'
  | 'content'
  | 'content_type'
  | 'content_attributes'
  | 'deleted'
  | 'status'
  | 'sender_type'
  | 'sender_id'
  | 'attachments'
  | 'source_id'
  | 'created_at'
  | 'updated_at'
>;

export interface StatusChangeView {
  from: string | null;
  to: string;
  at: string;
  event_id: string;
}

/** Stored names of the people and places a record points at, so views say "Ken Sato", not "user 3". */
export interface Names {
  assignee: string | null;
  team: string | null;
  inbox: string | null;
  contact: string | null;
}

type NameKey = 'user' | 'agent_bot' | 'team' | 'inbox' | 'contact';

/** Looks names up once per id (views and lists point at the same few agents, teams and inboxes). */
export const nameResolver = (store: StoreDeps, accountId: number) => {
  const cache = new Map<string, Promise<string | null>>();
  const lookUp = (kind: NameKey, id: number | null | undefined): Promise<string | null> => {
    if (id === null || id === undefined) return Promise.resolve(null);
    const key = `${kind}#${id}`;
    let found = cache.get(key);
    if (found === undefined) {
      found = (async () => {
        if (kind === 'team') return (await getTeam(store, { accountId, teamId: id }))?.name ?? null;
        if (kind === 'inbox') return (await getInbox(store, { accountId, inboxId: id }))?.name ?? null;
        if (kind === 'contact') return (await getContact(store, { accountId, contactId: id }))?.name ?? null;
        return (await getUser(store, { accountId, userId: id, type: kind }))?.name ?? null;
      })();
      cache.set(key, found);
    }
    return found;
  };
  return {
    lookUp,
    of: async (record: {
      assignee_id?: number | null;
      assignee_type?: string | null;
      team_id?: number | null;
      inbox_id?: number | null;
      contact_id?: number | null;
    }): Promise<Names> => {
      const [assignee, team, inbox, contact] = await Promise.all([
        lookUp(record.assignee_type === 'agent_bot' ? 'agent_bot' : 'user', record.assignee_id),
        lookUp('team', record.team_id),
        lookUp('inbox', record.inbox_id),
        lookUp('contact', record.contact_id),
      ]);
      return { assignee, team, inbox, contact };
    },
  };
};

export interface ConversationView {
  conversation: ConversationRecord | null;
  messages: MessageView[];
  status_history: StatusChangeView[];
  /** Stored names for the conversation's assignee, team, inbox and contact (null when unknown). */
  names: Names;
}

/** A conversation's state, its messages in conversation order and its status history; null when nothing is stored. */
export const conversationView = async (
  store: StoreDeps,
  accountId: number,
  conversationId: number,
): Promise<ConversationView | null> => {
  const args = { accountId, conversationId };
  const [conversation, messages, history] = await Promise.all([
    getConversation(store, args),
    listMessages(store, args),
    listStatusHistory(store, args),
  ]);
  if (conversation === null && messages.length === 0 && history.length === 0) return null;
  const names =
    conversation === null
      ? { assignee: null, team: null, inbox: null, contact: null }
      : await nameResolver(store, accountId).of(conversation);
  return {
    conversation,
    messages: messages.map((message) => ({
      id: message.id,
      message_type: message.message_type,
      private: message.private,
      content: message.content,
      content_type: message.content_type,
      content_attributes: message.content_attributes,
      deleted: message.deleted,
      status: message.status,
      sender_type: message.sender_type,
      sender_id: message.sender_id,
      attachments: message.attachments,
      source_id: message.source_id,
      created_at: message.created_at,
      updated_at: message.updated_at,
    })),
    status_history: history.map((change) => ({
      from: change.from,
      to: change.to,
      at: change.at,
      event_id: change.event_id,
    })),
    names,
  };
};

export interface ContactView {
  contact: Record<string, unknown> | null;
  conversations: Record<string, unknown>[];
  widget_visits: Record<string, unknown>[];
}

/** A contact, its conversations (newest first, current state) and its widget visits (oldest first); null when nothing is stored. */
export const contactView = async (
  store: StoreDeps,
  accountId: number,
  contactId: number,
): Promise<ContactView | null> => {
  const args = { accountId, contactId };
  const [contact, conversations, visits] = await Promise.all([
    getContact(store, args),
    listContactConversations(store, args),
    listWidgetVisits(store, args),
  ]);
  if (contact === null && conversations.length === 0 && visits.length === 0) return null;
  // The index holds only slow-changing attributes: read each conversation's current state (a
  // contact has few conversations; the first 50 are shown).
  const states = await Promise.all(
    conversations.slice(0, 50).map(async (summary) => {
      const state = await getConversation(store, { accountId, conversationId: summary.id });
      return state ?? summary;
    }),
  );
  return {
    contact: contact as unknown as Record<string, unknown> | null,
    conversations: states as unknown as Record<string, unknown>[],
    widget_visits: visits as unknown as Record<string, unknown>[],
  };
};
