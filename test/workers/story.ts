import {
  type ConversationFacts,
  type ConversationStatus,
  contactPayload,
  conversationObject,
  conversationPayload,
  messagePayload,
  story,
  webwidgetPayload,
} from '../../fixtures/payloads.ts';
import type { Envelope } from '../../lib/events/envelope.ts';
import { envelopeOf } from './support.ts';

/**
 * One conversation's life, as the sender would deliver it (24 events): a widget visit, the contact,
 * the conversation, incoming and outgoing messages with attachments, an assignment, a private note,
 * an edit, labels, priority and team, a delete, resolve and reopen (each save sending both
 * conversation_status_changed and conversation_updated), a delivery receipt, a snooze, a second
 * widget visit, a template message. Each step's snapshots show the state at that step.
 */

const t0 = story.t0;

export const storyExpectations = {
  accountId: story.accountId,
  conversationId: story.conversationId,
  contactId: story.contactId,
  /** Messages 1001–1007; 1004 is a private note, 1005 deleted, 1003 edited. */
  messageIds: [1001, 1002, 1003, 1004, 1005, 1006, 1007],
  statusHistory: [
    { from: 'open', to: 'resolved' },
    { from: 'resolved', to: 'open' },
    { from: 'open', to: 'snoozed' },
  ],
  finalStatus: 'snoozed' as ConversationStatus,
  labels: ['refund', 'vip'],
  widgetVisits: 2,
};

export const conversationStory = (): Envelope[] => {
  const events: Envelope[] = [];
  let n = 0;
  const add = (payload: ReturnType<typeof conversationPayload>, at: number): void => {
    n += 1;
    events.push(envelopeOf(payload, { eventId: `story-${String(n).padStart(2, '0')}`, sentAt: at + 0.4 }));
  };
  // The conversation's state as it evolves; every snapshot carries the state of its moment.
  let state: ConversationFacts = { status: 'open', assignee: null, team: false, labels: [], priority: null };
  const snap = (at: number, extra: ConversationFacts = {}): ConversationFacts => ({ ...state, at, ...extra });

  add(webwidgetPayload({ at: t0 - 5 }), t0 - 5);
  add(contactPayload({ event: 'contact_created' }), t0 - 2);
  add(conversationPayload({ event: 'conversation_created', ...snap(t0 + 1) }), t0 + 1);
  add(messagePayload({ id: 1001, at: t0 + 1, conversation: snap(t0 + 1) }), t0 + 1);
  add(contactPayload({ event: 'contact_updated' }), t0 + 1);
  add(
    messagePayload({
      id: 1002,
      at: t0 + 2,
      content: 'Here is the receipt',
      attachments: 2,
      conversation: snap(t0 + 2),
    }),
    t0 + 2,
  );
  state = { ...state, assignee: 'agent' };
  add(conversationPayload({ event: 'conversation_updated', ...snap(t0 + 3, { messages: [] }) }), t0 + 3);
  add(
    messagePayload({
      id: 1003,
      at: t0 + 4,
      messageType: 'outgoing',
      content: 'Sorry! Checking now.',
      conversation: snap(t0 + 4),
    }),
    t0 + 4,
  );
  add(
    messagePayload({
      id: 1004,
      at: t0 + 5,
      messageType: 'outgoing',
      private: true,
      content: 'Customer is VIP, refund allowed',
      conversation: snap(t0 + 5),
    }),
    t0 + 5,
  );
  add(
    messagePayload({
      event: 'message_updated',
      id: 1003,
      at: t0 + 4,
      messageType: 'outgoing',
      content: 'Sorry for the delay! Checking now.',
      conversation: snap(t0 + 6, { messages: [] }),
    }),
    t0 + 6,
  );
  state = { ...state, labels: ['refund', 'vip'] };
  add(
    conversationPayload({
      event: 'conversation_updated',
      ...snap(t0 + 7, { messages: [] }),
      changedAttributes: [{ label_list: { previous_value: [], current_value: ['refund', 'vip'] } }],
    }),
    t0 + 7,
  );
  state = { ...state, priority: 'high', team: true };
  add(
    conversationPayload({
      event: 'conversation_updated',
      ...snap(t0 + 8, { messages: [] }),
      changedAttributes: [
        { priority: { previous_value: null, current_value: 'high' } },
        { team_id: { previous_value: null, current_value: story.teamId } },
      ],
    }),
    t0 + 8,
  );
  add(
    messagePayload({ id: 1005, at: t0 + 9, content: 'my card number is 4111…', conversation: snap(t0 + 9) }),
    t0 + 9,
  );
  add(
    messagePayload({
      event: 'message_updated',
      id: 1005,
      at: t0 + 9,
      deleted: true,
      conversation: snap(t0 + 10),
    }),
    t0 + 10,
  );
  // Resolve: one save, two events, in the order the sender happened to emit them.
  state = { ...state, status: 'resolved' };
  add(
    conversationPayload({ event: 'conversation_status_changed', ...snap(t0 + 11, { messages: [] }) }),
    t0 + 11,
  );
  add(
    conversationPayload({
      event: 'conversation_updated',
      ...snap(t0 + 11, { messages: [] }),
      changedAttributes: [{ status: { previous_value: 'open', current_value: 'resolved' } }],
    }),
    t0 + 11,
  );
  // The contact writes again: the conversation reopens.
  state = { ...state, status: 'open' };
  add(
    messagePayload({ id: 1006, at: t0 + 12, content: 'Still nothing!', conversation: snap(t0 + 12) }),
    t0 + 12,
  );
  add(
    conversationPayload({
      event: 'conversation_updated',
      ...snap(t0 + 12, { messages: [] }),
      changedAttributes: [{ status: { previous_value: 'resolved', current_value: 'open' } }],
    }),
    t0 + 12,
  );
  add(
    conversationPayload({
      event: 'conversation_status_changed',
      ...snap(t0 + 12, { messages: [] }),
      changedAttributes: [{ status: { previous_value: 'resolved', current_value: 'open' } }],
    }),
    t0 + 12,
  );
  // A read receipt: message_updated with unchanged content; only the snapshot shows the status.
  add(
    messagePayload({
      event: 'message_updated',
      id: 1003,
      at: t0 + 4,
      messageType: 'outgoing',
      content: 'Sorry for the delay! Checking now.',
      status: 'read',
      conversation: snap(t0 + 13),
    }),
    t0 + 13,
  );
  state = { ...state, status: 'snoozed' };
  add(
    conversationPayload({
      event: 'conversation_updated',
      ...snap(t0 + 14, { messages: [] }),
      changedAttributes: [{ status: { previous_value: 'open', current_value: 'snoozed' } }],
    }),
    t0 + 14,
  );
  add(
    conversationPayload({
      event: 'conversation_status_changed',
      ...snap(t0 + 14, { messages: [] }),
      changedAttributes: [{ status: { previous_value: 'open', current_value: 'snoozed' } }],
    }),
    t0 + 14,
  );
  add(
    webwidgetPayload({
      at: t0 + 15,
      overrides: {
        current_conversation: conversationObject({ ...snap(t0 + 15), withAccount: false }, 'real'),
      },
    }),
    t0 + 15,
  );
  add(
    messagePayload({
      id: 1007,
      at: t0 + 16,
      messageType: 'template',
      sender: null,
      content: 'We will get back to you tomorrow.',
      conversation: snap(t0 + 16),
    }),
    t0 + 16,
  );
  add(contactPayload({ event: 'contact_updated' }), t0 + 17);
  return events;
};
