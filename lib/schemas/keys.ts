import * as v from 'valibot';
import { messageTypeNames } from './message.ts';

/**
 * Key schemas: what the ingest checks on its hot path, within its CPU budget. No transforms and no
 * walk of the whole body: only the event name and the ids and key types the workers store by.
 * Every constraint here is also enforced by the full schema (`events.ts`), so anything the full
 * schema accepts passes here too (test/schemas checks it on every fixture).
 */

const Id = v.pipe(v.number(), v.integer());
const OptId = v.nullish(Id);
const OptString = v.nullish(v.string());
const OptBool = v.nullish(v.boolean());
/** Same acceptance as `nullableObject` in the full schemas: null, absent or "" allowed. */
const optObject = <E extends v.ObjectEntries>(entries: E) =>
  v.nullish(v.union([v.literal(''), v.looseObject(entries)]));
const MessageType = v.union([v.picklist(messageTypeNames), v.picklist([0, 1, 2, 3])]);
const WithId = optObject({ id: Id });

const conversationKeys = {
  id: Id,
  display_id: OptId,
  account_id: OptId,
  account: WithId,
  inbox_id: OptId,
  status: v.string(),
  meta: v.nullish(
    v.looseObject({
      sender: WithId,
      assignee: optObject({ id: Id, type: v.nullish(v.picklist(['contact', 'user', 'agent_bot'])) }),
      team: WithId,
    }),
  ),
  contact_inbox: optObject({ id: Id, source_id: OptString }),
  messages: v.nullish(v.array(v.looseObject({ id: Id, message_type: MessageType }))),
};

export const conversationKeySchema = <E extends string>(event: E) =>
  v.looseObject({ event: v.literal(event), ...conversationKeys });

export const messageKeySchema = <E extends string>(event: E) =>
  v.looseObject({
    event: v.literal(event),
    id: Id,
    message_type: MessageType,
    content: OptString,
    private: OptBool,
    source_id: OptString,
    account_id: OptId,
    inbox_id: OptId,
    conversation_id: OptId,
    sender: optObject({ id: Id, type: v.nullish(v.picklist(['contact', 'user', 'agent_bot'])) }),
    account: WithId,
    inbox: WithId,
    conversation: optObject({
      id: Id,
      display_id: OptId,
      account_id: OptId,
      account: WithId,
      status: v.string(),
    }),
    attachments: v.nullish(v.array(v.looseObject({ id: Id }))),
  });

export const contactKeySchema = <E extends string>(event: E) =>
  v.looseObject({
    event: v.literal(event),
    id: Id,
    account: WithId,
    account_id: OptId,
    identifier: OptString,
    phone_number: OptString,
    email: OptString,
  });

export const webwidgetKeySchema = v.looseObject({
  event: v.literal('webwidget_triggered'),
  id: Id,
  source_id: OptString,
  contact: v.looseObject({ id: Id, account: WithId, account_id: OptId }),
  account: WithId,
  inbox: WithId,
  current_conversation: optObject({ id: Id, status: v.string() }),
});
