import * as v from 'valibot';
import { NullableAccountSchema } from './account.ts';
import { NullableActorSchema } from './actor.ts';
import { NullableContactSchema } from './contact.ts';
import { NullableContactInboxSchema } from './contact-inbox.ts';
import { NestedMessageSchema } from './message.ts';
import {
  FlagSchema,
  IdSchema,
  InitiatedRecordSchema,
  listOf,
  NullableIdSchema,
  NullableIntegerSchema,
  RawTimeSchema,
  RecordSchema,
  TextSchema,
  TimeSchema,
} from './primitives.ts';
import { NullableTeamSchema } from './team.ts';
import { toIsoTime, toMicros } from './time.ts';
import type { Conversation, Loose } from './types.ts';

/** `conversation.meta`: sender (the contact), assignee (user without email, agent bot, or null), team. */
const MetaSchema = v.nullish(
  v.looseObject({
    sender: NullableContactSchema,
    assignee: NullableActorSchema,
    team: NullableTeamSchema,
  }),
  null,
);

/**
 * A conversation, doc or real shape (Conversation#webhook_data). `id` is the per-account display id
 * (`display_id` wins when a sender sends both). Real payloads have no `account_id` but `account`
 * (newer) or only `messages[].account_id` (older); times are unix ints with 0 for never, a float
 * `updated_at`, ISO `snoozed_until`/`first_reply_created_at`.
 */
export const conversationEntries = {
  id: IdSchema,
  display_id: NullableIdSchema,
  account_id: NullableIdSchema,
  account: NullableAccountSchema,
  inbox_id: NullableIdSchema,
  status: v.string(),
  priority: TextSchema,
  labels: listOf(v.string()),
  custom_attributes: RecordSchema,
  additional_attributes: InitiatedRecordSchema,
  channel: TextSchema,
  can_reply: FlagSchema,
  unread_count: NullableIntegerSchema,
  meta: MetaSchema,
  contact_inbox: NullableContactInboxSchema,
  messages: listOf(NestedMessageSchema),
  agent_last_seen_at: TimeSchema,
  contact_last_seen_at: TimeSchema,
  waiting_since: TimeSchema,
  first_reply_created_at: TimeSchema,
  snoozed_until: TimeSchema,
  last_activity_at: TimeSchema,
  timestamp: TimeSchema,
  created_at: TimeSchema,
  updated_at: RawTimeSchema,
};

export const ConversationObjectSchema = v.looseObject(conversationEntries);
export type ConversationRaw = v.InferOutput<typeof ConversationObjectSchema>;

/** Keys of an event body that belong to the event, not to the conversation it carries. */
const eventKeys = ['event', 'changed_attributes'] as const;

/**
 * Raw (validated) conversation → normalised Conversation. `fallbackAccountId` is the enclosing
 * event's account, used when the conversation itself names none. Nested messages and the contact
 * inherit the conversation's account/inbox/id when they do not carry their own.
 */
export const toConversation = (
  raw: ConversationRaw,
  fallbackAccountId: number | null = null,
): Conversation => {
  const { account, display_id, meta, updated_at, ...rest } = raw;
  for (const key of eventKeys) delete (rest as Loose)[key];
  const id = display_id ?? raw.id;
  const account_id =
    account?.id ??
    raw.account_id ??
    raw.messages.find((m) => m.account_id !== null)?.account_id ??
    fallbackAccountId;
  const messages = raw.messages.map((m) => ({
    ...m,
    account_id: m.account_id ?? account_id,
    inbox_id: m.inbox_id ?? raw.inbox_id,
    conversation_id: m.conversation_id ?? id,
  }));
  const conversation: Conversation = {
    ...rest,
    id,
    account_id,
    messages,
    assignee: meta?.assignee ?? null,
    team: meta?.team ?? null,
    contact: meta?.sender ? { ...meta.sender, account_id: meta.sender.account_id ?? account_id } : null,
    updated_at: toIsoTime(updated_at),
    updated_at_us: toMicros(updated_at),
  };
  if (meta) {
    // Keep the rest of meta (assignee_type, hmac_verified, unknown keys) without duplicating what we lifted.
    const { sender: _s, assignee: _a, team: _t, ...metaRest } = meta;
    conversation.meta = metaRest;
  }
  return conversation;
};

export const ConversationSchema = v.pipe(
  ConversationObjectSchema,
  v.transform((raw) => toConversation(raw)),
);
export const NullableConversationSchema = v.pipe(
  v.nullish(v.union([v.literal(''), ConversationObjectSchema]), null),
  v.transform((raw) => (raw === '' || raw === null ? null : raw)),
);
export type ConversationInput = v.InferInput<typeof ConversationSchema>;
export type ConversationOutput = v.InferOutput<typeof ConversationSchema>;
