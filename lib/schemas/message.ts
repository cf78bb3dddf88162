import * as v from 'valibot';
import { NullableActorSchema } from './actor.ts';
import { AttachmentSchema } from './attachment.ts';
import { messageTypeNames } from './key-specs.ts';
import { IdSchema, listOf, NullableIdSchema, RecordSchema, TextSchema, TimeSchema } from './primitives.ts';
import type { Message, MessageType } from './types.ts';

export { messageTypeNames };

/** `message_type`: the doc's integer (0 incoming, 1 outgoing, 2 activity, 3 template) or the real string. */
export const MessageTypeSchema = v.pipe(
  v.union([v.picklist(messageTypeNames), v.picklist([0, 1, 2, 3])]),
  v.transform((t): MessageType => (typeof t === 'number' ? messageTypeNames[t]! : t)),
);

/**
 * The fields a message has in both of its forms: the top-level message of message events
 * (Message#webhook_data: string message_type, ISO created_at, no updated_at/status) and the
 * `conversation.messages[]` snapshot (Message#push_event_data: integer message_type, unix
 * created_at, ISO updated_at, status, account/inbox/conversation ids). `content` and `sender` may be
 * null; `attachments` are absent when there are none.
 */
export const messageEntries = {
  id: IdSchema,
  account_id: NullableIdSchema,
  inbox_id: NullableIdSchema,
  conversation_id: NullableIdSchema,
  content: TextSchema,
  message_type: MessageTypeSchema,
  content_type: v.nullish(v.string(), 'text'),
  content_attributes: RecordSchema,
  private: v.nullish(v.boolean(), false),
  status: TextSchema,
  source_id: TextSchema,
  sender: NullableActorSchema,
  attachments: listOf(AttachmentSchema),
  created_at: TimeSchema,
  updated_at: TimeSchema,
};

/** A message inside `conversation.messages[]`. Its own `conversation` summary passes through untouched. */
export const NestedMessageSchema = v.pipe(
  v.looseObject(messageEntries),
  v.transform((raw): Message => raw),
);
export type NestedMessageInput = v.InferInput<typeof NestedMessageSchema>;
export type NestedMessageOutput = v.InferOutput<typeof NestedMessageSchema>;
