import type { Conversation } from '#lib/schemas/types.ts';
import { freeFormText, packFreeForm, readInitiatedRecord, readRecord } from './free-form.ts';
import { contactPk, conversationPk, type indexProjectedAttributes, keys, padId, sortKeys } from './keys.ts';
import { getItem, type Item, pick, queryItems } from './read.ts';
import { entityVersion } from './version.ts';
import { newerVersion, type PutWrite, type StoreDeps } from './write.ts';

/**
 * Conversation: its current state, one item per (account, display id), version-guarded by the
 * conversation's own `updated_at` (µs). Messages, status history and change history live in the
 * same partition (message.ts, status-history.ts).
 *
 *   pk  A#<account>#C#<conversation>   sk  CONV
 *   gsi1  A#<account>#I#<inbox>#S#<status>  /  <last activity day>#<padded id>   (inbox by status, most recent day first)
 *   gsi2  A#<account>#CT#<contact>#C        /  <padded id>                        (a contact's conversations)
 */

export const conversationKey = (accountId: number, conversationId: number) => ({
  pk: conversationPk(accountId, conversationId),
  sk: sortKeys.conversation,
});

const inboxStatusPk = (accountId: number, inboxId: number | null, status: string): string =>
  `A#${accountId}#I#${inboxId ?? 0}#S#${status}`;
const contactConversationsPk = (accountId: number, contactId: number): string =>
  `${contactPk(accountId, contactId)}#C`;

/** The stored state of a conversation, as `mhub conversation --json` prints it. */
export interface ConversationRecord {
  account_id: number;
  id: number;
  inbox_id: number | null;
  contact_id: number | null;
  contact_inbox_id: number | null;
  status: string;
  assignee_id: number | null;
  /** `user` or `agent_bot` (null when unassigned). */
  assignee_type: string | null;
  team_id: number | null;
  labels: string[];
  custom_attributes: Record<string, unknown>;
  additional_attributes: Record<string, unknown>;
  priority: string | null;
  snoozed_until: string | null;
  waiting_since: string | null;
  first_reply_created_at: string | null;
  unread_count: number | null;
  agent_last_seen_at: string | null;
  contact_last_seen_at: string | null;
  last_activity_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  channel: string | null;
  can_reply: boolean | null;
}

const recordFields = [
  'account_id',
  'id',
  'inbox_id',
  'contact_id',
  'contact_inbox_id',
  'status',
  'assignee_id',
  'assignee_type',
  'team_id',
  'labels',
  'custom_attributes',
  'additional_attributes',
  'priority',
  'snoozed_until',
  'waiting_since',
  'first_reply_created_at',
  'unread_count',
  'agent_last_seen_at',
  'contact_last_seen_at',
  'last_activity_at',
  'created_at',
  'updated_at',
  'channel',
  'can_reply',
] as const satisfies readonly (keyof ConversationRecord)[];

export const toConversationRecord = (accountId: number, c: Conversation): ConversationRecord => ({
  account_id: accountId,
  id: c.id,
  inbox_id: c.inbox_id,
  contact_id: c.contact?.id ?? c.contact_inbox?.contact_id ?? null,
  contact_inbox_id: c.contact_inbox?.id ?? null,
  status: c.status,
  assignee_id: c.assignee?.id ?? null,
  assignee_type: c.assignee?.type ?? null,
  team_id: c.team?.id ?? null,
  labels: c.labels,
  custom_attributes: c.custom_attributes,
  additional_attributes: c.additional_attributes,
  priority: c.priority,
  snoozed_until: c.snoozed_until,
  waiting_since: c.waiting_since,
  first_reply_created_at: c.first_reply_created_at,
  unread_count: c.unread_count,
  agent_last_seen_at: c.agent_last_seen_at,
  contact_last_seen_at: c.contact_last_seen_at,
  last_activity_at: c.last_activity_at,
  created_at: c.created_at,
  updated_at: c.updated_at,
  channel: c.channel,
  can_reply: c.can_reply,
});

/**
 * The guarded write of a conversation snapshot: a full replace that only lands when its version
 * (`updated_at` µs, else the event's time) is above the stored one.
 */
export const conversationStateWrite = (
  accountId: number,
  conversation: Conversation,
  fallbackMicros: number,
): PutWrite => {
  const record = toConversationRecord(accountId, conversation);
  // Free-form bags go in as their exact text (free-form.ts); the version hashes that text.
  const custom = freeFormText(record.custom_attributes);
  const additional = freeFormText(record.additional_attributes);
  const version = entityVersion(conversation.updated_at_us ?? fallbackMicros, {
    ...record,
    custom_attributes: custom,
    additional_attributes: additional,
  });
  const item: PutWrite['item'] = {
    ...conversationKey(accountId, conversation.id),
    entity: 'conversation',
    ...record,
    custom_attributes: packFreeForm(custom),
    additional_attributes: packFreeForm(additional),
    v: version,
    [keys.gsi1.partition]: inboxStatusPk(accountId, record.inbox_id, record.status),
    // The day of last activity, not its instant: every new message would otherwise move the entry
    // (a changed index key is a delete plus a put, 2 units) on one hot key per inbox and status.
    [keys.gsi1.sort]:
      `${(record.last_activity_at ?? record.updated_at ?? record.created_at ?? '').slice(0, 10)}#${padId(record.id)}`,
  };
  if (record.contact_id !== null) {
    item[keys.gsi2.partition] = contactConversationsPk(accountId, record.contact_id);
    item[keys.gsi2.sort] = padId(record.id);
  }
  return { kind: 'put', entity: 'conversation', item, condition: newerVersion(version), version };
};

export const conversationFromItem = (item: Item): ConversationRecord => ({
  ...(pick(item, recordFields) as unknown as ConversationRecord),
  custom_attributes: readRecord(item.custom_attributes),
  additional_attributes: readInitiatedRecord(item.additional_attributes),
});

/** Get a conversation's current state, or null. `GetItem pk=A#a#C#c sk=CONV`. */
export const getConversation = async (
  deps: StoreDeps,
  args: { accountId: number; conversationId: number },
): Promise<ConversationRecord | null> => {
  const item = await getItem(deps, conversationKey(args.accountId, args.conversationId));
  return item === null ? null : conversationFromItem(item);
};

/** A conversation as the indexes project it (docs/data-model.md). */
export type ConversationSummary = Pick<
  ConversationRecord,
  | 'account_id'
  | 'id'
  | 'inbox_id'
  | 'contact_id'
  | 'status'
  | 'assignee_id'
  | 'team_id'
  | 'priority'
  | 'labels'
  | 'last_activity_at'
  | 'created_at'
  | 'updated_at'
>;
const summaryFields = [
  'account_id',
  'id',
  'inbox_id',
  'contact_id',
  'status',
  'assignee_id',
  'team_id',
  'priority',
  'labels',
  'last_activity_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ConversationSummary & (typeof indexProjectedAttributes)[number])[];

const toSummary = (item: Item): ConversationSummary =>
  pick(item, summaryFields) as unknown as ConversationSummary;

/**
 * An inbox's conversations in one status: most recently active day first, newest conversation first within a day.
 * `Query gsi1 gsi1pk=A#a#I#i#S#<status>, ScanIndexForward=false`.
 */
export const listInboxConversations = async (
  deps: StoreDeps,
  args: { accountId: number; inboxId: number; status: string; limit?: number },
): Promise<ConversationSummary[]> => {
  const items = await queryItems(deps, {
    indexName: keys.gsi1.indexName,
    keyCondition: '#pk = :pk',
    names: { '#pk': keys.gsi1.partition },
    values: { ':pk': inboxStatusPk(args.accountId, args.inboxId, args.status) },
    ascending: false,
    ...(args.limit === undefined ? {} : { limit: args.limit }),
  });
  return items.map(toSummary);
};

/** A conversation as gsi2 projects it: only attributes that rarely change (infra/table.ts). */
export type ContactConversation = Pick<
  ConversationRecord,
  'account_id' | 'id' | 'inbox_id' | 'contact_id' | 'status' | 'created_at'
>;
const contactConversationFields = [
  'account_id',
  'id',
  'inbox_id',
  'contact_id',
  'status',
  'created_at',
] as const satisfies readonly (keyof ContactConversation)[];

/**
 * A contact's conversations, newest (highest id) first; `getConversation` has the full state.
 * `Query gsi2 gsi2pk=A#a#CT#c#C, ScanIndexForward=false`.
 */
export const listContactConversations = async (
  deps: StoreDeps,
  args: { accountId: number; contactId: number; limit?: number },
): Promise<ContactConversation[]> => {
  const items = await queryItems(deps, {
    indexName: keys.gsi2.indexName,
    keyCondition: '#pk = :pk',
    names: { '#pk': keys.gsi2.partition },
    values: { ':pk': contactConversationsPk(args.accountId, args.contactId) },
    ascending: false,
    ...(args.limit === undefined ? {} : { limit: args.limit }),
  });
  return items.map((item) => pick(item, contactConversationFields) as unknown as ContactConversation);
};
