import { type Io, keyValues, table } from '#cli/io.ts';
import { getContact } from '#lib/store/contact.ts';
import { getConversation, listContactConversations } from '#lib/store/conversation.ts';
import { listWidgetVisits } from '#lib/store/widget-visit.ts';
import type { StoreDeps } from '#lib/store/write.ts';

/**
 * `mhub contact`: the view, built from the entity modules' access-pattern functions (also what
 * --json prints, and what the e2e tests read state through), and its rendering.
 */

export interface ContactView {
  contact: Record<string, unknown> | null;
  conversations: Record<string, unknown>[];
  widget_visits: Record<string, unknown>[];
}

/** A contact, its conversations (newest first, current state) and its widget visits (oldest first); null when nothing is stored. */
export const contactView = async (
  store: StoreDeps,
  accountId: number,
  contactId: number,
): Promise<ContactView | null> => {
  const args = { accountId, contactId };
  const [contact, conversations, visits] = await Promise.all([
    getContact(store, args),
    listContactConversations(store, args),
    listWidgetVisits(store, args),
  ]);
  if (contact === null && conversations.length === 0 && visits.length === 0) return null;
  // The index holds only slow-changing attributes: read each conversation's current state (a
  // contact has few conversations; the first 50 are shown).
  const states = await Promise.all(
    conversations.slice(0, 50).map(async (summary) => {
      const state = await getConversation(store, { accountId, conversationId: summary.id });
      return state ?? summary;
    }),
  );
  return {
    contact: contact as unknown as Record<string, unknown> | null,
    conversations: states as unknown as Record<string, unknown>[],
    widget_visits: visits as unknown as Record<string, unknown>[],
  };
};

export const printContact = (io: Io, view: ContactView): void => {
  const c = view.contact;
  if (c === null) io.out('contact: not stored yet\n');
  else
    io.out(
      keyValues([
        ['contact', `${c.account_id}/${c.id}`],
        ['name', c.name],
        ['email', c.email],
        ['phone', c.phone_number],
        ['identifier', c.identifier],
        ['blocked', c.blocked],
        ['last activity', c.last_activity_at],
      ]),
    );
  io.out(`\nconversations (${view.conversations.length})\n`);
  if (view.conversations.length > 0)
    io.out(
      table(view.conversations, [
        { header: 'ID', value: (v) => v.id },
        { header: 'STATUS', value: (v) => v.status },
        { header: 'INBOX', value: (v) => v.inbox_id },
        { header: 'ASSIGNEE', value: (v) => v.assignee_id },
        { header: 'LAST ACTIVITY', value: (v) => v.last_activity_at },
      ]),
    );
  io.out(`\nwidget visits (${view.widget_visits.length})\n`);
  if (view.widget_visits.length > 0)
    io.out(
      table(view.widget_visits, [
        { header: 'AT', value: (v) => v.at },
        { header: 'INBOX', value: (v) => v.inbox_id },
        { header: 'CONVERSATION', value: (v) => v.conversation_id },
        { header: 'REFERER', value: (v) => (v.event_info as Record<string, unknown> | undefined)?.referer },
      ]),
    );
};
