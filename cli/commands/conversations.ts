import { accountId, type CommandSpec, expectPositionals, str, withTarget } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { printConversations } from '#cli/views/conversations.ts';
import { type Names, nameResolver } from '#cli/views/names.ts';
import {
  type ConversationSummary,
  getConversation,
  listContactConversations,
  listInboxConversations,
} from '#lib/store/conversation.ts';
import type { StoreDeps } from '#lib/store/write.ts';

/**
 * `mhub conversations <account> (--inbox I [--status S] | --contact C)`: an account's
 * conversations over the table's two access patterns: an inbox's conversations by status, newest
 * activity first (gsi1), or a contact's conversations, newest first (gsi2).
 */

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;

export interface ConversationsOptions {
  accountId: number;
  inboxId?: number | undefined;
  status?: string | undefined;
  contactId?: number | undefined;
  limit: number;
}

export type ConversationRow = ConversationSummary & { names: Names };

export const listConversations = async (
  store: StoreDeps,
  options: ConversationsOptions,
): Promise<ConversationRow[]> => {
  let rows: ConversationSummary[];
  if (options.contactId !== undefined) {
    if (options.inboxId !== undefined || options.status !== undefined)
      throw new CliError('use --contact alone, or --inbox with --status');
    const listed = await listContactConversations(store, {
      accountId: options.accountId,
      contactId: options.contactId,
      limit: options.limit,
    });
    // gsi2 projects only what rarely changes: read each one's current state.
    rows = await Promise.all(
      listed.map(
        async (summary) =>
          (await getConversation(store, { accountId: options.accountId, conversationId: summary.id })) ??
          (summary as ConversationSummary),
      ),
    );
  } else if (options.inboxId !== undefined) {
    const statuses = options.status === undefined ? CONVERSATION_STATUSES : [options.status];
    if (
      options.status !== undefined &&
      !(CONVERSATION_STATUSES as readonly string[]).includes(options.status)
    )
      throw new CliError(
        `--status must be one of ${CONVERSATION_STATUSES.join(', ')}, got ${options.status}`,
      );
    const lists = await Promise.all(
      statuses.map((status) =>
        listInboxConversations(store, {
          accountId: options.accountId,
          inboxId: options.inboxId!,
          status,
          limit: options.limit,
        }),
      ),
    );
    rows = lists
      .flat()
      .sort((a, b) => (b.last_activity_at ?? '').localeCompare(a.last_activity_at ?? ''))
      .slice(0, options.limit);
  } else throw new CliError('conversations needs --inbox <id> [--status <s>], or --contact <id>');
  const names = nameResolver(store, options.accountId);
  return Promise.all(rows.map(async (row) => ({ ...row, names: await names.of(row) })));
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
    expectPositionals(conversationsCommand, positionals, 1);
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
