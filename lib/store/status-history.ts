import type { ChangedAttribute } from '#lib/schemas/types.ts';
import { changedAttributesText, packFreeForm, readChangedAttributes } from './free-form.ts';
import { conversationPk, sortKeys } from './keys.ts';
import { type Item, queryItems } from './read.ts';
import { absent, type PutWrite, type StoreDeps, writtenOnce } from './write.ts';

/**
 * A conversation's status history and change history: append-only facts under the conversation.
 *
 *   status change   pk A#<account>#C#<conversation>   sk SH#<at ISO>#<from>#<to>
 *   change record   pk A#<account>#C#<conversation>   sk CH#<at ISO>#<event id>
 *
 * A status change is keyed by the change itself (when, from, to), not by the event that told us:
 * one save emits both conversation_status_changed and conversation_updated, and the change must be
 * recorded once. Which event id it keeps is decided by a guard (the smallest id wins), so the item
 * does not depend on which of the two arrived first.
 */

export interface StatusChange {
  from: string | null;
  to: string;
  /** When the change happened (the conversation's `updated_at`), ISO-8601. */
  at: string;
  event_id: string;
}

export const statusChangeKey = (
  accountId: number,
  conversationId: number,
  change: Omit<StatusChange, 'event_id'>,
) => ({
  pk: conversationPk(accountId, conversationId),
  sk: `${sortKeys.statusPrefix}${change.at}#${change.from ?? '-'}#${change.to}`,
});

export const statusChangeWrite = (
  accountId: number,
  conversationId: number,
  change: StatusChange,
): PutWrite => ({
  kind: 'put',
  entity: 'status-history',
  item: {
    ...statusChangeKey(accountId, conversationId, change),
    entity: 'status_change',
    account_id: accountId,
    conversation_id: conversationId,
    ...change,
  },
  condition: {
    expression: 'attribute_not_exists(pk) OR event_id > :eid',
    values: { ':eid': change.event_id },
  },
  guard: { attribute: 'event_id', value: change.event_id, wins: 'lower' },
});

/** A conversation's status changes, oldest first. `Query pk=A#a#C#c AND begins_with(sk, 'SH#')`. */
export const listStatusHistory = async (
  deps: StoreDeps,
  args: { accountId: number; conversationId: number },
): Promise<StatusChange[]> => {
  const items = await queryItems(deps, {
    keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)',
    names: { '#pk': 'pk', '#sk': 'sk' },
    values: { ':pk': conversationPk(args.accountId, args.conversationId), ':prefix': sortKeys.statusPrefix },
  });
  return items.map(statusChangeFromItem);
};

export const statusChangeFromItem = (item: Item): StatusChange => ({
  from: (item.from as string | null) ?? null,
  to: item.to as string,
  at: item.at as string,
  event_id: item.event_id as string,
});

export interface ConversationChange {
  at: string;
  event_id: string;
  changes: ChangedAttribute[];
}

/**
 * conversation_updated's `changed_attributes`, kept as history: one item per event, written once.
 * `changes` is stored as the sender's exact `changed_attributes` text (`changesJson`, free-form.ts):
 * previous and current values are free-form. Without it, the wire form of `changes` is stored.
 */
export const conversationChangeWrite = (
  accountId: number,
  conversationId: number,
  change: ConversationChange,
  changesJson?: string,
): PutWrite => ({
  kind: 'put',
  entity: 'change-history',
  item: {
    pk: conversationPk(accountId, conversationId),
    sk: `${sortKeys.changePrefix}${change.at}#${change.event_id}`,
    entity: 'conversation_change',
    account_id: accountId,
    conversation_id: conversationId,
    at: change.at,
    event_id: change.event_id,
    changes: packFreeForm(changesJson ?? changedAttributesText(change.changes)),
  },
  condition: absent,
  guard: writtenOnce,
});

/** A conversation's attribute changes, oldest first. `Query pk=A#a#C#c AND begins_with(sk, 'CH#')`. */
export const listConversationChanges = async (
  deps: StoreDeps,
  args: { accountId: number; conversationId: number },
): Promise<ConversationChange[]> => {
  const items = await queryItems(deps, {
    keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)',
    names: { '#pk': 'pk', '#sk': 'sk' },
    values: { ':pk': conversationPk(args.accountId, args.conversationId), ':prefix': sortKeys.changePrefix },
  });
  return items.map((item) => ({
    at: item.at as string,
    event_id: item.event_id as string,
    changes: readChangedAttributes(item.changes),
  }));
};
