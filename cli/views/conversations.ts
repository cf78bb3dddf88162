import type { ConversationRow } from '#cli/commands/conversations.ts';
import { type Io, printJson, table } from '#cli/io.ts';

/** How `mhub conversations` shows its result: a table for humans, or JSON. */

export const printConversations = (io: Io, rows: ConversationRow[], json: boolean): void => {
  if (json) {
    printJson(io, rows);
    return;
  }
  if (rows.length === 0) {
    io.out('no conversations\n');
    return;
  }
  io.out(
    table(rows, [
      { header: 'ID', value: (r) => r.id },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'INBOX', value: (r) => r.names.inbox ?? r.inbox_id },
      { header: 'CONTACT', value: (r) => r.names.contact ?? r.contact_id },
      { header: 'ASSIGNEE', value: (r) => r.names.assignee ?? r.assignee_id },
      { header: 'TEAM', value: (r) => r.names.team ?? r.team_id },
      { header: 'LAST ACTIVITY', value: (r) => r.last_activity_at },
    ]),
  );
};
