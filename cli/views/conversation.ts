import { type Io, keyValues, table } from '#cli/io.ts';
import { type ConversationRecord, getConversation } from '#lib/store/conversation.ts';
import { listMessages, type MessageRecord } from '#lib/store/message.ts';
import { listStatusHistory } from '#lib/store/status-history.ts';
import type { StoreDeps } from '#lib/store/write.ts';
import { type Names, named, nameResolver } from './names.ts';

/**
 * `mhub conversation`: the view, built from the entity modules' access-pattern functions (also what
 * --json prints, and what the e2e tests read state through), and its rendering.
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

export const printConversation = (io: Io, view: ConversationView): void => {
  const c = view.conversation;
  if (c === null) io.out('conversation: not stored yet (only messages or history are known)\n');
  else
    io.out(
      keyValues([
        ['conversation', `${c.account_id}/${c.id}`],
        ['status', c.status],
        ['inbox', named(c.inbox_id, view.names.inbox)],
        ['contact', named(c.contact_id, view.names.contact)],
        [
          'assignee',
          c.assignee_id === null
            ? null
            : named(`${c.assignee_type ?? 'user'} ${c.assignee_id}`, view.names.assignee),
        ],
        ['team', named(c.team_id, view.names.team)],
        ['priority', c.priority],
        ['labels', c.labels],
        ['snoozed until', c.snoozed_until],
        [
          'custom attributes',
          Object.keys(c.custom_attributes ?? {}).length === 0 ? null : c.custom_attributes,
        ],
        ['last activity', c.last_activity_at],
      ]),
    );
  io.out(`\nmessages (${view.messages.length})\n`);
  if (view.messages.length > 0)
    io.out(
      table(view.messages, [
        { header: 'ID', value: (m) => m.id },
        { header: 'AT', value: (m) => m.created_at },
        { header: 'TYPE', value: (m) => `${m.message_type}${m.private ? ' (private)' : ''}` },
        {
          header: 'FROM',
          value: (m) => (m.sender_type === null ? null : `${m.sender_type} ${m.sender_id ?? ''}`.trim()),
        },
        { header: 'STATUS', value: (m) => m.status },
        {
          header: 'CONTENT',
          value: (m) =>
            m.deleted
              ? '[deleted]'
              : `${m.content ?? ''}${m.attachments.length > 0 ? ` [${m.attachments.length} attachment(s)]` : ''}`,
          max: 70,
        },
      ]),
    );
  io.out(`\nstatus history (${view.status_history.length})\n`);
  if (view.status_history.length > 0)
    io.out(
      table(view.status_history, [
        { header: 'AT', value: (s) => s.at },
        { header: 'FROM', value: (s) => s.from },
        { header: 'TO', value: (s) => s.to },
        { header: 'EVENT ID', value: (s) => s.event_id, max: 80 },
      ]),
    );
};
