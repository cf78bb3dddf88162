import { accountId, type CommandSpec, withTarget } from '../args.ts';
import { CliError } from '../errors.ts';
import { type Io, keyValues, printJson, table } from '../io.ts';
import { contactView, conversationView } from '../views.ts';
import { listConversations, printConversations } from './conversations.ts';

/** `mhub conversation`, `mhub conversations` and `mhub contact`: the stored state, names resolved. */

/** `Ken Sato (user 3)`, or the bare id when no name is stored. */
const named = (id: unknown, name: string | null): string | null =>
  id === null || id === undefined ? null : name === null ? String(id) : `${name} (${String(id)})`;

const printConversation = (io: Io, view: NonNullable<Awaited<ReturnType<typeof conversationView>>>): void => {
  const c = view.conversation;
  if (c === null) io.out('conversation: not stored yet (only messages or history are known)\n');
  else
    io.out(
      keyValues([
        ['conversation', `${c.account_id}/${c.id}`],
        ['status', c.status],
        ['inbox', named(c.inbox_id, view.names.inbox)],
        ['contact', named(c.contact_id, view.names.contact)],
        [
          'assignee',
          c.assignee_id === null
            ? null
            : named(`${c.assignee_type ?? 'user'} ${c.assignee_id}`, view.names.assignee),
        ],
        ['team', named(c.team_id, view.names.team)],
        ['priority', c.priority],
        ['labels', c.labels],
        ['snoozed until', c.snoozed_until],
        [
          'custom attributes',
          Object.keys(c.custom_attributes ?? {}).length === 0 ? null : c.custom_attributes,
        ],
        ['last activity', c.last_activity_at],
      ]),
    );
  io.out(`\nmessages (${view.messages.length})\n`);
  if (view.messages.length > 0)
    io.out(
      table(view.messages, [
        { header: 'ID', value: (m) => m.id },
        { header: 'AT', value: (m) => m.created_at },
        { header: 'TYPE', value: (m) => `${m.message_type}${m.private ? ' (private)' : ''}` },
        {
          header: 'FROM',
          value: (m) => (m.sender_type === null ? null : `${m.sender_type} ${m.sender_id ?? ''}`.trim()),
        },
        { header: 'STATUS', value: (m) => m.status },
        {
          header: 'CONTENT',
          value: (m) =>
            m.deleted
              ? '[deleted]'
              : `${m.content ?? ''}${m.attachments.length > 0 ? ` [${m.attachments.length} attachment(s)]` : ''}`,
          max: 70,
        },
      ]),
    );
  io.out(`\nstatus history (${view.status_history.length})\n`);
  if (view.status_history.length > 0)
    io.out(
      table(view.status_history, [
        { header: 'AT', value: (s) => s.at },
        { header: 'FROM', value: (s) => s.from },
        { header: 'TO', value: (s) => s.to },
        { header: 'EVENT ID', value: (s) => s.event_id, max: 80 },
      ]),
    );
};

const printContact = (io: Io, view: NonNullable<Awaited<ReturnType<typeof contactView>>>): void => {
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

const str = (values: Record<string, unknown>, name: string): string | undefined =>
  values[name] as string | undefined;

const usageError = (spec: CommandSpec, positionals: string[], count: number): void => {
  if (positionals.length !== count)
    throw new CliError(
      `usage: mhub ${spec.usage[0]}${positionals.length > count ? ` (unexpected ${positionals.slice(count).join(' ')})` : ''}`,
    );
};

export const conversationCommand: CommandSpec = {
  usage: ['conversation <accountId> <conversationId>'],
  summary: 'a conversation with its messages and status history (names resolved)',
  options: {},
  run: async (values, positionals, io) => {
    usageError(conversationCommand, positionals, 2);
    const account = accountId('accountId', positionals[0]);
    const conversation = accountId('conversationId', positionals[1]);
    const view = await withTarget(values, io, (target) =>
      conversationView(target.store, account, conversation),
    );
    if (view === null) throw new CliError(`conversation ${conversation} of account ${account} not found`);
    if (values.json === true) printJson(io, view);
    else printConversation(io, view);
    return 0;
  },
};

export const contactCommand: CommandSpec = {
  usage: ['contact <accountId> <contactId>'],
  summary: 'a contact with its conversations and widget visits',
  options: {},
  run: async (values, positionals, io) => {
    usageError(contactCommand, positionals, 2);
    const account = accountId('accountId', positionals[0]);
    const contact = accountId('contactId', positionals[1]);
    const view = await withTarget(values, io, (target) => contactView(target.store, account, contact));
    if (view === null) throw new CliError(`contact ${contact} of account ${account} not found`);
    if (values.json === true) printJson(io, view);
    else printContact(io, view);
    return 0;
  },
};

export const conversationsCommand: CommandSpec = {
  usage: ['conversations <accountId> (--inbox <id> [--status <s>] | --contact <id>) [--limit <n>]'],
  summary: "an account's conversations: an inbox's by status (newest activity first), or a contact's",
  details: '  --status: open, pending, snoozed or resolved (default: all four). Default --limit 50.',
  options: {
    inbox: { type: 'string' },
    status: { type: 'string' },
    contact: { type: 'string' },
    limit: { type: 'string' },
  },
  run: async (values, positionals, io) => {
    usageError(conversationsCommand, positionals, 1);
    const options = {
      accountId: accountId('accountId', positionals[0]),
      inboxId: str(values, 'inbox') === undefined ? undefined : accountId('--inbox', str(values, 'inbox')),
      status: str(values, 'status'),
      contactId:
        str(values, 'contact') === undefined ? undefined : accountId('--contact', str(values, 'contact')),
      limit: str(values, 'limit') === undefined ? 50 : accountId('--limit', str(values, 'limit')),
    };
    if (options.contactId === undefined && options.inboxId === undefined)
      throw new CliError('conversations needs --inbox <id> [--status <s>], or --contact <id>');
    const rows = await withTarget(values, io, (target) => listConversations(target.store, options));
    printConversations(io, rows, values.json === true);
    return 0;
  },
};
