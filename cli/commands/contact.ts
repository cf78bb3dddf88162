import { accountId, type CommandSpec, expectPositionals, withTarget } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { printJson } from '#cli/io.ts';
import { contactView, printContact } from '#cli/views/contact.ts';

/** `mhub contact`: one contact with its conversations and widget visits. */
export const contactCommand: CommandSpec = {
  usage: ['contact <accountId> <contactId>'],
  summary: 'a contact with its conversations and widget visits',
  options: {},
  run: async (values, positionals, io) => {
    expectPositionals(contactCommand, positionals, 2);
    const account = accountId('accountId', positionals[0]);
    const contact = accountId('contactId', positionals[1]);
    const view = await withTarget(values, io, (target) => contactView(target.store, account, contact));
    if (view === null) throw new CliError(`contact ${contact} of account ${account} not found`);
    if (values.json === true) printJson(io, view);
    else printContact(io, view);
    return 0;
  },
};
