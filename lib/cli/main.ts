import { parseArgs } from 'node:util';
import { listDeadLetters, printDeadLetters, printRedrive, redriveDeadLetters } from './commands/dlq.ts';
import { listEvents, printEvents } from './commands/events.ts';
import { printReplay, replay } from './commands/replay.ts';
import { send } from './commands/send.ts';
import { CliError, networkCode, oneLine } from './errors.ts';
import { type Io, keyValues, printJson, processIo, table } from './io.ts';
import { selectRoutes } from './routes.ts';
import { NOT_RUNNING, resolveTarget, type Target } from './target.ts';
import { contactView, conversationView } from './views.ts';

/**
 * `mhub`: the operator's tool. Talks to the running local stack by default, to a deployed stage with
 * `--stage` / `--region` (standard AWS credential chain). Tables for humans, `--json` for scripts;
 * any error is one line on stderr and exit code 1.
 */

export const USAGE = `usage: mhub <command> [options]

  send <file> --source <name> [--secret <s>] [--url <base>]
                                     sign a payload (or a captured {headers, body}) and POST it
  conversation <accountId> <conversationId>
                                     a conversation with its messages and status history
  contact <accountId> <contactId>    a contact with its conversations and widget visits
  events [--account <id>] [--event <name>] [--since <iso>] [--limit <n>]
                                     archived raw events, newest first (oldest first with --since)
  dlq list [--queue <event>]         messages in the dead-letter queues
  dlq redrive [--queue <event>]      move dead-letter messages back to their queues
  replay --event-id <id>             re-enqueue one archived event
  replay --account <id> --since <iso>
                                     re-enqueue an account's archived events since a time

options for every command:
  --json                 machine-readable output
  --stage <name>         a deployed stage instead of the local stack (AWS credential chain)
  --region <region>      the stage's region (default AWS_REGION)
  -h, --help             this help

See docs/cli.md for details.
`;

const globalOptions = {
  json: { type: 'boolean' },
  stage: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const positiveInteger = (name: string, value: string | undefined): number => {
  if (
    value === undefined ||
    !/^[0-9]+$/.test(value) ||
    Number(value) <= 0 ||
    !Number.isSafeInteger(Number(value))
  )
    throw new CliError(`${name} must be a positive whole number, got ${value ?? 'nothing'}`);
  return Number(value);
};

const isoTime = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new CliError(`${name} must be an ISO-8601 time such as 2026-03-02T09:00:00Z, got ${value}`);
  return new Date(parsed).toISOString();
};

const withTarget = async <T>(
  values: { stage?: string; region?: string },
  io: Io,
  run: (target: Target) => Promise<T>,
) => {
  const target = resolveTarget({ stage: values.stage, region: values.region, env: io.env });
  try {
    return await run(target);
  } catch (error) {
    if (target.mode === 'local' && networkCode(error) === 'ECONNREFUSED') throw new CliError(NOT_RUNNING);
    throw error;
  } finally {
    target.close();
  }
};

const parse = <O extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  args: string[],
  options: O,
) => parseArgs({ args, options: { ...globalOptions, ...options }, allowPositionals: true, strict: true });

const expectPositionals = (command: string, positionals: string[], names: string[]): string[] => {
  if (positionals.length !== names.length)
    throw new CliError(
      `usage: mhub ${command} ${names.map((name) => `<${name}>`).join(' ')}${positionals.length > names.length ? ` (unexpected ${positionals.slice(names.length).join(' ')})` : ''}`,
    );
  return positionals;
};

const printConversation = (io: Io, view: NonNullable<Awaited<ReturnType<typeof conversationView>>>): void => {
  const c = view.conversation;
  if (c === null) io.out('conversation: not stored yet (only messages or history are known)\n');
  else
    io.out(
      keyValues([
        ['conversation', `${c.account_id}/${c.id}`],
        ['status', c.status],
        ['inbox', c.inbox_id],
        ['contact', c.contact_id],
        ['assignee', c.assignee_id === null ? null : `${c.assignee_type ?? 'user'} ${c.assignee_id}`],
        ['team', c.team_id],
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

type Command = (args: string[], io: Io) => Promise<number>;

const commands: Record<string, Command> = {
  send: async (args, io) => {
    const { values, positionals } = parse(args, {
      source: { type: 'string' },
      secret: { type: 'string' },
      token: { type: 'string' },
      url: { type: 'string' },
    });
    const [file] = expectPositionals('send', positionals, ['file']);
    if (values.source === undefined) throw new CliError('send needs --source <name>');
    if (values.region !== undefined && values.stage === undefined)
      throw new CliError('--region needs --stage');
    const result = await send(
      {
        file: file!,
        source: values.source,
        secret: values.secret,
        token: values.token,
        url: values.url,
        stage: values.stage,
        json: values.json ?? false,
      },
      io,
    );
    return result.status >= 200 && result.status < 300 ? 0 : 1;
  },

  conversation: async (args, io) => {
    const { values, positionals } = parse(args, {});
    const [account, conversation] = expectPositionals('conversation', positionals, [
      'accountId',
      'conversationId',
    ]);
    const accountId = positiveInteger('accountId', account);
    const conversationId = positiveInteger('conversationId', conversation);
    const view = await withTarget(values, io, (target) =>
      conversationView(target.store, accountId, conversationId),
    );
    if (view === null) throw new CliError(`conversation ${conversationId} of account ${accountId} not found`);
    if (values.json) printJson(io, view);
    else printConversation(io, view);
    return 0;
  },

  contact: async (args, io) => {
    const { values, positionals } = parse(args, {});
    const [account, contact] = expectPositionals('contact', positionals, ['accountId', 'contactId']);
    const accountId = positiveInteger('accountId', account);
    const contactId = positiveInteger('contactId', contact);
    const view = await withTarget(values, io, (target) => contactView(target.store, accountId, contactId));
    if (view === null) throw new CliError(`contact ${contactId} of account ${accountId} not found`);
    if (values.json) printJson(io, view);
    else printContact(io, view);
    return 0;
  },

  events: async (args, io) => {
    const { values, positionals } = parse(args, {
      account: { type: 'string' },
      event: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    });
    expectPositionals('events', positionals, []);
    const options = {
      accountId: values.account === undefined ? undefined : positiveInteger('--account', values.account),
      event: values.event,
      since: isoTime('--since', values.since),
      limit: values.limit === undefined ? 50 : positiveInteger('--limit', values.limit),
    };
    if (options.accountId === undefined && values.stage !== undefined)
      io.err('note: without --account the whole table is scanned\n');
    const events = await withTarget(values, io, (target) => listEvents(target.store, options));
    printEvents(io, events, values.json ?? false);
    return 0;
  },

  dlq: async (args, io) => {
    const { values, positionals } = parse(args, { queue: { type: 'string' } });
    const [action] = expectPositionals('dlq', positionals, ['list|redrive']);
    selectRoutes(values.queue); // a bad --queue is a usage error, whether or not a stack runs
    if (action === 'list') {
      const entries = await withTarget(values, io, (target) =>
        listDeadLetters(target, { queue: values.queue }),
      );
      printDeadLetters(io, entries, values.json ?? false);
      return 0;
    }
    if (action === 'redrive') {
      const results = await withTarget(values, io, (target) =>
        redriveDeadLetters(target, { queue: values.queue }, io),
      );
      printRedrive(io, results, values.json ?? false);
      return results.some((result) => result.failed > 0) ? 1 : 0;
    }
    throw new CliError(`unknown dlq action ${action}: use dlq list or dlq redrive`);
  },

  replay: async (args, io) => {
    const { values, positionals } = parse(args, {
      'event-id': { type: 'string' },
      account: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    });
    expectPositionals('replay', positionals, []);
    const options = {
      eventId: values['event-id'],
      accountId: values.account === undefined ? undefined : positiveInteger('--account', values.account),
      since: isoTime('--since', values.since),
      limit: values.limit === undefined ? 10_000 : positiveInteger('--limit', values.limit),
    };
    if (
      options.eventId === undefined
        ? options.accountId === undefined || options.since === undefined
        : options.accountId !== undefined || options.since !== undefined
    )
      throw new CliError('replay needs --event-id <id>, or --account <id> with --since <iso>');
    const replayed = await withTarget(values, io, (target) => replay(target, options, io));
    printReplay(io, replayed, values.json ?? false);
    return 0;
  },
};

/** Runs one `mhub` invocation; returns the exit code. Never throws. */
export const main = async (argv: string[], io: Io = processIo()): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.err(`mhub: unknown command ${name} (see mhub --help)\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    const message = parseError
      ? `${((error as Error).message.split('. ')[0] ?? '').replace(/\.$/, '')} (see mhub --help)`
      : oneLine(error);
    io.err(`mhub: ${message}\n`);
    return 1;
  }
};
