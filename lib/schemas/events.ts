import * as v from 'valibot';
import { NullableAccountSchema } from './account.ts';
import { ChangedAttributesSchema } from './changed-attributes.ts';
import { ContactSchema, contactEntries, toContact } from './contact.ts';
import { conversationEntries, NullableConversationSchema, toConversation } from './conversation.ts';
import { NullableInboxSchema } from './inbox.ts';
import { messageEntries } from './message.ts';
import { IdSchema, InitiatedRecordSchema, TextSchema } from './primitives.ts';
import type {
  ContactEvent,
  ConversationEvent,
  Message,
  MessageEvent,
  WidgetTriggeredEvent,
} from './types.ts';

/**
 * The full, normalising schema of each handled event: raw body in, the normalised event of
 * `lib/schemas/types.ts` out. Workers run these; the ingest only runs the cheap key schemas
 * (`keys.ts`).
 */

export type ConversationEventName = ConversationEvent['event'];
export type MessageEventName = MessageEvent['event'];
export type ContactEventName = ContactEvent['event'];

/** conversation_created / _updated / _status_changed: the body IS the conversation, plus event and changed_attributes. */
export const conversationEventSchema = <E extends ConversationEventName>(event: E) =>
  v.pipe(
    v.looseObject({
      ...conversationEntries,
      event: v.literal(event),
      changed_attributes: ChangedAttributesSchema,
    }),
    v.transform((raw): ConversationEvent & { event: E } => {
      const conversation = toConversation(raw);
      return {
        event: raw.event,
        account_id: conversation.account_id,
        account: raw.account,
        conversation,
        changed_attributes: raw.changed_attributes,
      };
    }),
  );

/**
 * message_created / message_updated: the body is the message, with nested `conversation`, `account`,
 * `inbox` and `sender`. The message's `conversation_id` is the nested conversation's display id.
 */
export const messageEventSchema = <E extends MessageEventName>(event: E) =>
  v.pipe(
    v.looseObject({
      ...messageEntries,
      event: v.literal(event),
      account: NullableAccountSchema,
      inbox: NullableInboxSchema,
      conversation: NullableConversationSchema,
    }),
    v.transform((raw): MessageEvent & { event: E } => {
      const { event: name, account, inbox, conversation: rawConversation, ...rest } = raw;
      const conversation = rawConversation
        ? toConversation(rawConversation, account?.id ?? raw.account_id)
        : null;
      const account_id = account?.id ?? raw.account_id ?? conversation?.account_id ?? null;
      const message: Message = {
        ...rest,
        account_id,
        inbox_id: inbox?.id ?? raw.inbox_id ?? conversation?.inbox_id ?? null,
        // A top-level conversation_id could be the internal id: the snapshot's display id wins.
        conversation_id: conversation?.id ?? raw.conversation_id,
      };
      return { event: name, account_id, message, conversation, account, inbox };
    }),
  );

/** contact_created / contact_updated: the body is the contact (Contact#webhook_data), plus changed_attributes. */
export const contactEventSchema = <E extends ContactEventName>(event: E) =>
  v.pipe(
    v.looseObject({
      ...contactEntries,
      event: v.literal(event),
      changed_attributes: ChangedAttributesSchema,
    }),
    v.transform((raw): ContactEvent & { event: E } => {
      const { event: name, changed_attributes, ...body } = raw;
      const contact = toContact(body);
      return {
        event: name,
        account_id: contact.account_id,
        contact,
        account: raw.account,
        changed_attributes,
      };
    }),
  );

/**
 * webwidget_triggered: `id` is the contact_inbox id; `current_conversation` a full conversation or
 * null. Top-level fields we do not model stay on the event object.
 */
export const WebwidgetTriggeredSchema = v.pipe(
  v.looseObject({
    event: v.literal('webwidget_triggered'),
    id: IdSchema,
    source_id: TextSchema,
    contact: ContactSchema,
    inbox: NullableInboxSchema,
    account: NullableAccountSchema,
    current_conversation: NullableConversationSchema,
    event_info: InitiatedRecordSchema,
  }),
  v.transform((raw): WidgetTriggeredEvent => {
    const { event, id, source_id, contact, inbox, account, current_conversation, event_info, ...rest } = raw;
    const known = account?.id ?? contact.account_id;
    const conversation = current_conversation ? toConversation(current_conversation, known) : null;
    const account_id = known ?? conversation?.account_id ?? null;
    return {
      ...rest,
      event,
      account_id,
      contact_inbox_id: id,
      source_id,
      contact: { ...contact, account_id: contact.account_id ?? account_id },
      inbox,
      account,
      current_conversation: conversation,
      event_info,
    };
  }),
);

export const ConversationCreatedSchema = conversationEventSchema('conversation_created');
export const ConversationUpdatedSchema = conversationEventSchema('conversation_updated');
export const ConversationStatusChangedSchema = conversationEventSchema('conversation_status_changed');
export const MessageCreatedSchema = messageEventSchema('message_created');
export const MessageUpdatedSchema = messageEventSchema('message_updated');
export const ContactCreatedSchema = contactEventSchema('contact_created');
export const ContactUpdatedSchema = contactEventSchema('contact_updated');

export type ConversationEventInput = v.InferInput<typeof ConversationCreatedSchema>;
export type ConversationEventOutput = v.InferOutput<typeof ConversationCreatedSchema>;
export type MessageEventInput = v.InferInput<typeof MessageCreatedSchema>;
export type MessageEventOutput = v.InferOutput<typeof MessageCreatedSchema>;
export type ContactEventInput = v.InferInput<typeof ContactCreatedSchema>;
export type ContactEventOutput = v.InferOutput<typeof ContactCreatedSchema>;
export type WebwidgetTriggeredInput = v.InferInput<typeof WebwidgetTriggeredSchema>;
export type WebwidgetTriggeredOutput = v.InferOutput<typeof WebwidgetTriggeredSchema>;
