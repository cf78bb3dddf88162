import type { ConversationRow } from '#cli/commands/conversations.ts';
import { type Io, printRows } from '#cli/io.ts';

/** How `mhub conversations` shows its result: a table for humans, or JSON. */

export const printConversations = (io: Io, rows: ConversationRow[], json: boolean): void => {
  printRows(io, rows, {
    json,
    empty: 'no conversations',
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'INBOX', value: (r) => r.names.inbox ?? r.inbox_id },
      { header: 'CONTACT', value: (r) => r.names.contact ?? r.contact_id },
      { header: 'ASSIGNEE', value: (r) => r.names.assignee ?? r.assignee_id },
      { header: 'TEAM', value: (r) => r.names.team ?? r.team_id },
      { header: 'LAST ACTIVITY', value: (r) => r.last_activity_at },
    ],
  });
};
