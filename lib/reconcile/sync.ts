import { toIsoTime } from '#lib/schemas/time.ts';
import { getConversation } from '#lib/store/conversation.ts';
import { listMessages } from '#lib/store/message.ts';
import { executeWrites, type StoreDeps, type Write } from '#lib/store/write.ts';
import type { ChatwootClient } from './client.ts';
import { apiConversationWrites } from './to-writes.ts';

/**
 * Pulls an account's conversations and messages from the API into the store, through the webhook
 * path's plan (to-writes.ts). Two uses:
 * - backfill (`mhub backfill`): every conversation with activity since `since` (or one), all messages;
 * - repair (the scheduled reconciler): conversations with activity since the watermark, compared with
 *   the store first; only what the store lacks is fetched: an unchanged conversation costs one list
 *   entry and no message call, a changed one only its messages newer than what was verified.
 */

export interface SyncSummary {
  conversations: number;
  messages: number;
  contacts: number;
  /** Conversations or messages the store lacked or had older: each means a webhook was lost. */
  repaired: number;
  /** API objects that did not normalise (left out, with their issues logged by the caller). */
  skipped: number;
  writesApplied: number;
}

export interface SyncOptions {
  client: ChatwootClient;
  store: StoreDeps;
  accountId: number;
  mode: 'backfill' | 'repair';
  /** Only conversations whose last activity is at or after this (ISO). */
  since?: string | null;
  /** Only this conversation (display id). */
  conversationId?: number;
  onProgress?: (event: { conversationId: number; messages: number; summary: SyncSummary }) => void;
  onSkipped?: (info: { conversationId: number | null; issues: unknown }) => void;
}

/** Messages per plan: each page of MessageFinder#messages_after (≤ 100) is written as it arrives. */
const idOf = (value: unknown): number | null => {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isInteger(id) ? id : null;
};
const activityOf = (value: unknown): string | null =>
  toIsoTime(
    (value as { last_activity_at?: unknown; timestamp?: unknown }).last_activity_at ??
      (value as { timestamp?: unknown }).timestamp,
  );
const updatedOf = (value: unknown): string | null =>
  toIsoTime((value as { updated_at?: unknown }).updated_at);

/**
 * Conversations newest activity first, until one is older than `since` (the list's own order). A
 * conversation that gains activity while we page moves to page 1 and may be missed by this run:
 * its activity is after the run's start, which becomes the next watermark, so the next run sees it.
 */
async function* conversationsSince(client: ChatwootClient, since: string | null): AsyncGenerator<unknown> {
  for (let page = 1; ; page++) {
    const items = await client.conversationsPage(page);
    if (items.length === 0) return;
    for (const item of items) {
      const activity = activityOf(item);
      if (since !== null && activity !== null && activity < since) return;
      yield item;
    }
  }
}

export const syncAccount = async (options: SyncOptions): Promise<SyncSummary> => {
  const { client, store, accountId, mode } = options;
  const summary: SyncSummary = {
    conversations: 0,
    messages: 0,
    contacts: 0,
    repaired: 0,
    skipped: 0,
    writesApplied: 0,
  };
  const contacts = new Set<number>();
  const since = options.since ?? null;

  const write = async (writes: Write[]): Promise<void> => {
    summary.writesApplied += (await executeWrites(store, writes)).applied;
  };

  const syncOne = async (conversation: unknown): Promise<void> => {
    const id = idOf(conversation);
    if (id === null) {
      summary.skipped += 1;
      options.onSkipped?.({
        conversationId: null,
        issues: [{ path: 'id', message: 'conversation has no id' }],
      });
      return;
    }
    const stored = await getConversation(store, { accountId, conversationId: id });
    const apiUpdated = updatedOf(conversation);
    const stale =
      stored === null ||
      (apiUpdated !== null && (stored.updated_at === null || stored.updated_at < apiUpdated)) ||
      (activityOf(conversation) ?? '') > (stored.last_activity_at ?? '');
    // Repair fetches only messages after the newest one stored before the watermark (already verified).
    const known =
      mode === 'repair' && stored !== null
        ? await listMessages(store, { accountId, conversationId: id })
        : [];
    const knownIds = new Set(known.map((message) => message.id));
    const verified = known.filter((message) => since !== null && (message.created_at ?? '') < since);
    let after = verified.length === 0 ? 0 : Math.max(...verified.map((message) => message.id));
    const plan = (messages: readonly unknown[]) =>
      apiConversationWrites({ accountId, conversation, messages, stored, eventId: `api:${accountId}:${id}` });
    const first = plan([]);
    if (!first.ok) {
      summary.skipped += 1;
      options.onSkipped?.({ conversationId: id, issues: first.issues });
      return;
    }
    // An unchanged conversation is not rewritten; its messages are still compared (a lost
    // message_created leaves the conversation's state current when later webhooks arrived).
    if (mode === 'backfill' || stale) await write(first.writes);
    summary.conversations += 1;
    if (mode === 'repair' && stale) summary.repaired += 1;
    const contactId = (conversation as { meta?: { sender?: { id?: unknown } } }).meta?.sender?.id;
    if (typeof contactId === 'number') contacts.add(contactId);
    let count = 0;
    for (;;) {
      const page = await client.messagesAfter(id, after);
      if (page.length === 0) break;
      const planned = plan(page);
      if (planned.ok) {
        // The conversation's own writes went with `first`: a page adds only its messages.
        await write(planned.writes.filter((w) => w.entity === 'message'));
        count += page.length;
        if (mode === 'repair')
          summary.repaired += page.filter((message) => {
            const messageId = idOf(message);
            return (
              messageId !== null &&
              !knownIds.has(messageId) &&
              (message as { message_type?: unknown }).message_type !== 2
            );
          }).length;
      } else {
        summary.skipped += page.length;
        options.onSkipped?.({ conversationId: id, issues: planned.issues });
      }
      const ids = page.map(idOf).filter((value): value is number => value !== null);
      const next = Math.max(after, ...ids);
      if (next === after) break;
      after = next;
    }
    summary.messages += count;
    summary.contacts = contacts.size;
    options.onProgress?.({ conversationId: id, messages: count, summary });
  };

  if (options.conversationId !== undefined) await syncOne(await client.conversation(options.conversationId));
  else for await (const conversation of conversationsSince(client, since)) await syncOne(conversation);
  summary.contacts = contacts.size;
  return summary;
};
