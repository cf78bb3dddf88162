import { randomUUID } from 'node:crypto';
import {
  type ConversationFacts,
  contactPayload,
  conversationObject,
  conversationPayload,
  messagePayload,
  type Payload,
  story,
  typingPayload,
  unknownPayload,
  webwidgetPayload,
} from '#fixtures/payloads.ts';

/**
 * One conversation's life as a real sender would deliver it, 27 webhooks: a widget visit, the
 * contact, the conversation, agent and contact messages, a private note, a read receipt, an edit, a
 * delete, attachments, a template, assignment/team/labels/priority, resolve → reopen → snooze (each
 * status change also as conversation_updated, as one save emits both), typing indicators and a
 * fork's unknown event. Every snapshot shows the state at its time, as Chatwoot builds it.
 */

const t0 = story.t0;

export interface Delivery {
  /** What the step is, for failure messages. */
  label: string;
  /** `X-Chatwoot-Delivery`: fixed per delivery, so a resend is the same delivery. */
  deliveryId: string;
  payload: Payload;
}

interface State {
  status: NonNullable<ConversationFacts['status']>;
  assignee: 'agent' | null;
  team: boolean;
  labels: string[];
  priority: ConversationFacts['priority'];
}

export const buildStory = (): Delivery[] => {
  const state: State = { status: 'open', assignee: null, team: false, labels: [], priority: null };
  /** The conversation as the sender shows it at `at` (without overriding the message snapshot). */
  const conv = (at: number, unreadCount = 1): ConversationFacts => ({ ...state, at, unreadCount });
  const deliveries: Delivery[] = [];
  const add = (label: string, payload: Payload): void => {
    deliveries.push({ label, deliveryId: randomUUID(), payload });
  };

  add('contact created', contactPayload({ event: 'contact_created' }));
  add('first widget visit', webwidgetPayload({ at: t0 - 30 }));
  add('conversation created', conversationPayload({ event: 'conversation_created', ...conv(t0 + 1) }));
  add('contact writes', messagePayload({ id: 1001, at: t0 + 1, conversation: conv(t0 + 1) }));
  add('contact activity', contactPayload({ event: 'contact_updated' }));
  add('agent typing on', typingPayload({ event: 'conversation_typing_on' }));
  add('agent typing off', typingPayload({ event: 'conversation_typing_off' }));

  state.assignee = 'agent';
  state.team = true;
  add('assigned to agent and team', conversationPayload({ event: 'conversation_updated', ...conv(t0 + 10) }));
  add(
    'agent replies',
    messagePayload({
      id: 1002,
      messageType: 'outgoing',
      content: 'Sorry about that! Let me check order #1234 <right now> & get back to you.',
      at: t0 + 20,
      conversation: conv(t0 + 20, 0),
    }),
  );
  add(
    'private note',
    messagePayload({
      id: 1003,
      messageType: 'outgoing',
      private: true,
      content: 'Carrier says the parcel is stuck in Osaka.',
      at: t0 + 25,
      conversation: conv(t0 + 25, 0),
    }),
  );
  add(
    'read receipt for the reply',
    messagePayload({
      event: 'message_updated',
      id: 1002,
      messageType: 'outgoing',
      content: 'Sorry about that! Let me check order #1234 <right now> & get back to you.',
      status: 'read',
      at: t0 + 20,
      conversation: conv(t0 + 30, 0),
    }),
  );
  add(
    'contact sends photos',
    messagePayload({ id: 1004, content: null, attachments: 2, at: t0 + 40, conversation: conv(t0 + 40) }),
  );

  state.labels = ['billing', 'vip'];
  state.priority = 'high';
  add(
    'labels and priority',
    conversationPayload({
      event: 'conversation_updated',
      ...conv(t0 + 45),
      changedAttributes: [
        { label_list: { previous_value: [], current_value: ['billing', 'vip'] } },
        { priority: { previous_value: null, current_value: 'high' } },
      ],
    }),
  );
  add(
    'contact typo',
    messagePayload({ id: 1005, content: 'it is ordr 1243', at: t0 + 50, conversation: conv(t0 + 50) }),
  );
  add(
    'contact edits the typo',
    messagePayload({
      event: 'message_updated',
      id: 1005,
      content: 'it is order 1234 🙏',
      at: t0 + 50,
      conversation: conv(t0 + 55),
    }),
  );
  add(
    'agent sends a wrong link',
    messagePayload({
      id: 1006,
      messageType: 'outgoing',
      content: 'https://wrong.example',
      at: t0 + 60,
      conversation: conv(t0 + 60, 0),
    }),
  );
  add(
    'agent deletes it',
    messagePayload({
      event: 'message_updated',
      id: 1006,
      messageType: 'outgoing',
      deleted: true,
      at: t0 + 60,
      conversation: conv(t0 + 65, 0),
    }),
  );

  state.status = 'resolved';
  const resolved = [{ status: { previous_value: 'open', current_value: 'resolved' } }];
  add(
    'resolved (status event)',
    conversationPayload({
      event: 'conversation_status_changed',
      ...conv(t0 + 70, 0),
      changedAttributes: resolved,
    }),
  );
  add(
    'resolved (update event)',
    conversationPayload({ event: 'conversation_updated', ...conv(t0 + 70, 0), changedAttributes: resolved }),
  );
  add('contact activity again', contactPayload({ event: 'contact_updated' }));
  const visit = webwidgetPayload({ at: t0 + 80 });
  const current = conversationObject(conv(t0 + 80, 0), 'real');
  delete current.account;
  visit.current_conversation = current;
  add('second widget visit', visit);

  state.status = 'open';
  add(
    'contact writes again',
    messagePayload({ id: 1007, content: 'Any news?', at: t0 + 90, conversation: conv(t0 + 90) }),
  );
  add(
    'reopened',
    conversationPayload({
      event: 'conversation_status_changed',
      ...conv(t0 + 90),
      changedAttributes: [{ status: { previous_value: 'resolved', current_value: 'open' } }],
    }),
  );
  add('agent typing again', typingPayload({ event: 'conversation_typing_on' }));
  add(
    'template message',
    messagePayload({
      id: 1008,
      messageType: 'template',
      content: 'Rate our support ⭐',
      at: t0 + 95,
      conversation: conv(t0 + 95, 0),
    }),
  );

  state.status = 'snoozed';
  add(
    'snoozed',
    conversationPayload({
      event: 'conversation_status_changed',
      ...conv(t0 + 100, 0),
      changedAttributes: [{ status: { previous_value: 'open', current_value: 'snoozed' } }],
    }),
  );
  add('an event only a fork sends', unknownPayload());
  return deliveries;
};

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

/** What the story must leave behind, in `mhub conversation --json` terms. */
export const expectedConversation = {
  account_id: story.accountId,
  id: story.conversationId,
  inbox_id: story.inboxId,
  contact_id: story.contactId,
  status: 'snoozed',
  assignee_id: story.agentId,
  team_id: story.teamId,
  labels: ['billing', 'vip'],
  priority: 'high',
  snoozed_until: iso(t0 + 100 + 86_400),
  custom_attributes: { order_id: '1234' },
};

export const expectedMessages = [
  {
    id: 1001,
    message_type: 'incoming',
    private: false,
    deleted: false,
    sender_type: 'contact',
    sender_id: story.contactId,
    content: 'Hello, my order #1234 has not arrived yet.',
    attachments: 0,
  },
  {
    id: 1002,
    message_type: 'outgoing',
    private: false,
    deleted: false,
    sender_type: 'user',
    sender_id: story.agentId,
    content: 'Sorry about that! Let me check order #1234 <right now> & get back to you.',
    attachments: 0,
    status: 'read',
  },
  {
    id: 1003,
    message_type: 'outgoing',
    private: true,
    deleted: false,
    sender_type: 'user',
    sender_id: story.agentId,
    content: 'Carrier says the parcel is stuck in Osaka.',
    attachments: 0,
  },
  {
    id: 1004,
    message_type: 'incoming',
    private: false,
    deleted: false,
    sender_type: 'contact',
    sender_id: story.contactId,
    content: null,
    attachments: 2,
  },
  {
    id: 1005,
    message_type: 'incoming',
    private: false,
    deleted: false,
    sender_type: 'contact',
    sender_id: story.contactId,
    content: 'it is order 1234 🙏',
    attachments: 0,
  },
  {
    id: 1006,
    message_type: 'outgoing',
    private: false,
    deleted: true,
    sender_type: 'user',
    sender_id: story.agentId,
    attachments: 0,
  },
  {
    id: 1007,
    message_type: 'incoming',
    private: false,
    deleted: false,
    sender_type: 'contact',
    sender_id: story.contactId,
    content: 'Any news?',
    attachments: 0,
  },
  {
    id: 1008,
    message_type: 'template',
    private: false,
    deleted: false,
    sender_type: null,
    sender_id: null,
    content: 'Rate our support ⭐',
    attachments: 0,
  },
];

export const expectedStatusChanges = [
  ['open', 'resolved'],
  ['resolved', 'open'],
  ['open', 'snoozed'],
];
