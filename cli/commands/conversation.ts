import { accountId, type CommandSpec, expectPositionals, withTarget } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { printJson } from '#cli/io.ts';
import { conversationView, printConversation } from '#cli/views/conversation.ts';

/** `mhub conversation`: the stored state of one conversation, names resolved. */
export const conversationCommand: CommandSpec = {
  usage: ['conversation <accountId> <conversationId>'],
  summary: 'a conversation with its messages and status history (names resolved)',
  options: {},
  run: async (values, positionals, io) => {
    expectPositionals(conversationCommand, positionals, 2);
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
