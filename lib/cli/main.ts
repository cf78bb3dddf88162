import { parseArgs } from 'node:util';
import {
  accountId,
  type CommandSpec,
  durationMs,
  expectPositionals,
  GLOBAL_HELP,
  globalOptions,
  json,
  sinceTime,
  str,
  targetOptions,
  type Values,
  version,
  wholeNumber,
  withTarget,
} from './args.ts';
import { backfillCommand } from './commands/backfill.ts';
import {
  listDeadLetters,
  printDeadLetters,
  printPurge,
  printRedrive,
  purgeDeadLetters,
  redriveDeadLetters,
} from './commands/dlq.ts';
import { doctor, printDoctor } from './commands/doctor.ts';
import { MIN_PREFIX, printEvent, resolveEventId, showEvent } from './commands/event.ts';
import { listEvents, printEvents } from './commands/events.ts';
import { contactCommand, conversationCommand, conversationsCommand } from './commands/people.ts';
import { printReplay, replay } from './commands/replay.ts';
import { send } from './commands/send.ts';
import { printSmoke, smoke } from './commands/smoke.ts';
import { printStatus, status } from './commands/status.ts';
import { tail } from './commands/tail.ts';
import { printTrigger, printTriggerList, trigger, triggerEvents } from './commands/trigger.ts';
import { CliError, oneLine } from './errors.ts';
import type { Io } from './io.ts';
import { processIo } from './io.ts';
import { selectRoutes } from './routes.ts';

/**
 * `mhub`: the operator's tool. Talks to the running local stack by default (`--port` when several
 * run), to a deployed stage with `--stage` / `--region` (standard AWS credential chain). Tables
 * for humans, `--json` for scripts; any error is one line on stderr, naming the fix, exit code 1.
 */

// ---- commands ----------------------------------------------------------------------------------

const dlqSpec: CommandSpec = {
  usage: [
    'dlq list [--queue <event>]',
    'dlq redrive [--queue <event>]',
    'dlq purge <queue> [--id <id-prefix>] [--yes]',
  ],
  summary: 'dead letters: list (without consuming), move back to their queues, or delete',
  details: `  --queue / <queue> take an event name (message_created), a route (message-created), archive or quarantine.
  list reads every message and makes it visible again before it returns (about a second).
  purge deletes for good: every message of the queue, or those whose message id or event id starts with --id;
  it asks first, unless --yes.`,
  options: { queue: { type: 'string' }, id: { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
  run: async (values, positionals, io) => {
    const [action, queue, ...rest] = positionals;
    if (action === 'purge') {
      if (queue === undefined || rest.length > 0)
        throw new CliError('usage: mhub dlq purge <queue> [--id <id-prefix>] [--yes]');
      selectRoutes(queue);
      const result = await withTarget(values, io, (target) =>
        purgeDeadLetters(target, { queue, id: str(values, 'id'), yes: values.yes === true }, io),
      );
      printPurge(io, result, json(values));
      return 0;
    }
    if (positionals.length !== 1)
      throw new CliError('usage: mhub dlq list|redrive [--queue <event>], or mhub dlq purge <queue>');
    selectRoutes(str(values, 'queue')); // a bad --queue is a usage error, whether or not a stack runs
    if (action === 'list') {
      const entries = await withTarget(values, io, (target) =>
        listDeadLetters(target, { queue: str(values, 'queue') }, io),
      );
      printDeadLetters(io, entries, json(values));
      return 0;
    }
    if (action === 'redrive') {
      const results = await withTarget(values, io, (target) =>
        redriveDeadLetters(target, { queue: str(values, 'queue') }, io),
      );
      printRedrive(io, results, json(values));
      return results.some((result) => result.failed > 0) ? 1 : 0;
    }
    throw new CliError(`unknown dlq action ${action}: use dlq list, dlq redrive or dlq purge`);
  },
};

export type { CommandSpec } from './args.ts';

export const commands: Record<string, CommandSpec> = {
  send: {
    usage: ['send <file> --source <name> [--secret <s> | --token <t>] [--url <base>]'],
    summary: 'sign a payload (or a captured {headers, body}) and POST it',
    details: `  Locally the URL and the source's secret come from the running stack; with --stage pass --url and --secret.
  --token sends the unsigned URL-token form (?token=) instead of a signature.`,
    options: {
      source: { type: 'string' },
      secret: { type: 'string' },
      token: { type: 'string' },
      url: { type: 'string' },
    },
    run: async (values, positionals, io) => {
      if (positionals.length === 0)
        throw new CliError(
          'send needs a file and --source <name>: mhub send examples/message_created.json --source demo',
        );
      const [file] = expectPositionals(commands.send!, positionals, 1);
      if (str(values, 'source') === undefined)
        throw new CliError(
          `send needs --source <name>: mhub send ${file} --source demo (\`mhub status\` lists the sources)`,
        );
      if (str(values, 'region') !== undefined && str(values, 'stage') === undefined)
        throw new CliError('--region needs --stage');
      const { port } = targetOptions(values);
      const result = await send(
        {
          file: file!,
          source: str(values, 'source')!,
          secret: str(values, 'secret'),
          token: str(values, 'token'),
          url: str(values, 'url'),
          stage: str(values, 'stage'),
          port,
          json: json(values),
        },
        io,
      );
      return result.status >= 200 && result.status < 300 ? 0 : 1;
    },
  },

  trigger: {
    usage: ['trigger <event> [--source <name>]', 'trigger --list'],
    summary: 'send a signed, realistic sample of an event (fresh ids, the examples/ story)',
    details: `  Every handled event has a sample, plus conversation_typing_on (not modelled: archived).
  Locally the only source is used unless --source; with --stage pass --source, --url and --secret.`,
    options: {
      list: { type: 'boolean' },
      source: { type: 'string' },
      secret: { type: 'string' },
      url: { type: 'string' },
    },
    run: async (values, positionals, io) => {
      if (values.list === true) {
        printTriggerList(io, json(values));
        return 0;
      }
      if (positionals.length === 0)
        throw new CliError(
          `trigger needs an event: one of ${triggerEvents.join(', ')} (mhub trigger --list)`,
        );
      const [event] = expectPositionals(commands.trigger!, positionals, 1);
      const result = await trigger(
        {
          event: event!,
          source: str(values, 'source'),
          secret: str(values, 'secret'),
          url: str(values, 'url'),
          stage: str(values, 'stage'),
          port: targetOptions(values).port,
        },
        io,
      );
      printTrigger(io, result, json(values));
      return result.status >= 200 && result.status < 300 ? 0 : 1;
    },
  },

  smoke: {
    usage: ['smoke --source <name> [--stage <s> --url <base> --secret <s>] [--timeout 30s]'],
    summary: 'send a signed sample through the public URL, wait until it is stored, read it back',
    details: '  Prints the timings and a one-line verdict; exit 0 only when the event is stored as handled.',
    options: {
      source: { type: 'string' },
      secret: { type: 'string' },
      url: { type: 'string' },
      event: { type: 'string' },
      timeout: { type: 'string' },
    },
    run: async (values, positionals, io) => {
      expectPositionals(commands.smoke!, positionals, 0);
      if (str(values, 'stage') !== undefined && str(values, 'source') === undefined)
        throw new CliError('smoke --stage needs --source <name>');
      const result = await withTarget(values, io, (target) =>
        smoke(
          target,
          {
            source: str(values, 'source'),
            secret: str(values, 'secret'),
            url: str(values, 'url'),
            event: str(values, 'event') ?? 'message_created',
            timeoutMs: durationMs('--timeout', str(values, 'timeout') ?? '30s'),
          },
          io,
        ),
      );
      printSmoke(io, result, json(values));
      return result.ok ? 0 : 1;
    },
  },

  event: {
    usage: ['event <id-or-unique-prefix> [--raw]'],
    summary: 'one archived event: envelope, headers, validation issues, body',
    details: '  Any unique prefix of at least 4 characters works. --raw prints the body exactly as received.',
    options: { raw: { type: 'boolean' } },
    run: async (values, positionals, io) => {
      const [id] = expectPositionals(commands.event!, positionals, 1);
      if (id!.trim().length < MIN_PREFIX)
        throw new CliError(`an event id prefix needs at least ${MIN_PREFIX} characters, got "${id!.trim()}"`);
      const view = await withTarget(values, io, (target) => {
        if (target.mode === 'stage' && id!.length < 64)
          io.err('note: an id prefix scans the table on a stage\n');
        return showEvent(target.store, id!);
      });
      printEvent(io, view, { json: json(values), raw: values.raw === true });
      return 0;
    },
  },

  events: {
    usage: ['events [--account <id>] [--event <name>] [--since <iso|5m>] [--limit <n>]'],
    summary: 'archived raw events, newest first (oldest first with --since)',
    details:
      '  --account 0 holds events whose account could not be told. Without --account the table is scanned.',
    options: {
      account: { type: 'string' },
      event: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    },
    run: async (values, positionals, io) => {
      expectPositionals(commands.events!, positionals, 0);
      const options = {
        accountId:
          str(values, 'account') === undefined ? undefined : accountId('--account', str(values, 'account')),
        event: str(values, 'event'),
        since: sinceTime('--since', str(values, 'since')),
        limit: str(values, 'limit') === undefined ? 50 : wholeNumber('--limit', str(values, 'limit')),
      };
      if (options.accountId === undefined && str(values, 'stage') !== undefined)
        io.err('note: without --account the whole table is scanned\n');
      const events = await withTarget(values, io, (target) => listEvents(target.store, options));
      printEvents(io, events, json(values));
      return 0;
    },
  },

  tail: {
    usage: ['tail [--account <id>] [--event <name>] [--outcome <o>] [--since 5m] [--for <duration>]'],
    summary: 'a live stream of stored events, one line each (Ctrl-C stops)',
    details: `  Polls the raw-event archive: an account's index with --account, else a scan (on a stage, give --account).
  --since defaults to now; --for stops after a duration (30s, 5m). --outcome: handled, archived or quarantined.`,
    options: {
      account: { type: 'string' },
      event: { type: 'string' },
      outcome: { type: 'string' },
      since: { type: 'string' },
      for: { type: 'string' },
      interval: { type: 'string' },
    },
    run: async (values, positionals, io) => {
      expectPositionals(commands.tail!, positionals, 0);
      const outcome = str(values, 'outcome');
      if (outcome !== undefined && !['handled', 'archived', 'quarantined'].includes(outcome))
        throw new CliError(`--outcome must be handled, archived or quarantined, got ${outcome}`);
      const accountOption =
        str(values, 'account') === undefined ? undefined : accountId('--account', str(values, 'account'));
      const onStage = str(values, 'stage') !== undefined;
      if (accountOption === undefined && onStage)
        io.err('note: without --account every poll scans the table; pass --account on a stage\n');
      const options = {
        accountId: accountOption,
        event: str(values, 'event'),
        outcome,
        since: sinceTime('--since', str(values, 'since') ?? '0s')!,
        forMs: str(values, 'for') === undefined ? undefined : durationMs('--for', str(values, 'for')!),
        pollMs: durationMs('--interval', str(values, 'interval') ?? (onStage ? '5s' : '1s')),
        json: json(values),
      };
      await withTarget(values, io, (target) => tail(target.store, options, io));
      return 0;
    },
  },

  status: {
    usage: ['status'],
    summary: 'endpoint, sources, queues with DLQ depths, spillover, the last hour by outcome',
    options: {},
    run: async (values, positionals, io) => {
      expectPositionals(commands.status!, positionals, 0);
      const report = await withTarget(values, io, (target) => status(target, io));
      printStatus(io, report, json(values));
      return 0;
    },
  },

  doctor: {
    usage: ['doctor [--stage <s>]'],
    summary: 'check that events can flow, and say what to fix',
    details: `  Locally: sources, health, workers, DLQs, spillover, webhook URL. On a stage: the secrets parameter,
  every event source mapping, DLQs, spillover, alarms, the alarm subscription, the webhook URL. Exit 1 on a failure.`,
    options: {},
    run: async (values, positionals, io) => {
      expectPositionals(commands.doctor!, positionals, 0);
      const checks = await withTarget(values, io, (target) => doctor(target));
      printDoctor(io, checks, json(values));
      return checks.some((check) => check.state === 'fail') ? 1 : 0;
    },
  },

  conversation: conversationCommand,
  conversations: conversationsCommand,
  contact: contactCommand,
  dlq: dlqSpec,

  backfill: backfillCommand,

  replay: {
    usage: ['replay --event-id <id-or-prefix>', 'replay --account <id> --since <iso|2h> [--limit <n>]'],
    summary: 're-enqueue archived events through the normal path (idempotent)',
    details: '  Default --limit 10000. Progress bar on a terminal.',
    options: {
      'event-id': { type: 'string' },
      account: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    },
    run: async (values, positionals, io) => {
      expectPositionals(commands.replay!, positionals, 0);
      const options = {
        eventId: str(values, 'event-id'),
        accountId:
          str(values, 'account') === undefined ? undefined : accountId('--account', str(values, 'account')),
        since: sinceTime('--since', str(values, 'since')),
        limit: str(values, 'limit') === undefined ? 10_000 : wholeNumber('--limit', str(values, 'limit')),
      };
      if (
        options.eventId === undefined
          ? options.accountId === undefined || options.since === undefined
          : options.accountId !== undefined || options.since !== undefined
      )
        throw new CliError('replay needs --event-id <id>, or --account <id> with --since <iso>');
      const replayed = await withTarget(values, io, async (target) => {
        const eventId =
          options.eventId === undefined ? undefined : await resolveEventId(target.store, options.eventId);
        return replay(target, { ...options, eventId }, io);
      });
      printReplay(io, replayed, json(values));
      return 0;
    },
  },
};

// ---- help, did-you-mean, dispatch ----------------------------------------------------------------

const ORDER = [
  'status',
  'doctor',
  'send',
  'trigger',
  'smoke',
  'tail',
  'events',
  'event',
  'conversations',
  'conversation',
  'contact',
  'dlq',
  'replay',
  'backfill',
];

export const usage = (): string => {
  const lines = ['usage: mhub <command> [options]', ''];
  for (const name of ORDER) {
    const spec = commands[name]!;
    lines.push(`  ${spec.usage[0]}`);
    for (const more of spec.usage.slice(1)) lines.push(`  ${more}`);
    lines.push(`      ${spec.summary}`);
  }
  lines.push(
    '',
    GLOBAL_HELP,
    '',
    '  --version              the version',
    '',
    'See docs/cli.md for details.',
    '',
  );
  return lines.join('\n');
};

const commandHelp = (name: string, spec: CommandSpec): string => {
  const own = Object.entries(spec.options)
    .map(([option, def]) => `--${option}${def.type === 'string' ? ' <value>' : ''}`)
    .join(' ');
  return [
    `usage: ${spec.usage.map((line) => `mhub ${line}`).join('\n       ')}`,
    '',
    `${spec.summary}`,
    ...(spec.details === undefined ? [] : ['', spec.details]),
    ...(own === '' ? [] : ['', `options of ${name}: ${own}`]),
    '',
    GLOBAL_HELP,
    '',
  ].join('\n');
};

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
};

/** The closest known name, when it is close enough to be a typo. */
export const didYouMean = (wrong: string, known: readonly string[]): string | undefined => {
  const ranked = known
    .map((name) => ({ name, score: distance(wrong.toLowerCase(), name) }))
    .sort((a, b) => a.score - b.score);
  const best = ranked[0];
  if (best === undefined) return undefined;
  return best.score <= Math.max(1, Math.floor(best.name.length / 3)) || best.name.startsWith(wrong)
    ? best.name
    : undefined;
};

const parseError = (error: unknown, name: string, spec: CommandSpec): string | undefined => {
  const code = (error as { code?: string }).code;
  if (code?.startsWith('ERR_PARSE_ARGS') !== true) return undefined;
  const message = ((error as Error).message.split('. ')[0] ?? '').replace(/\.$/, '');
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown !== undefined) {
    const options = Object.keys({ ...globalOptions, ...spec.options });
    const guess = didYouMean(unknown.replace(/^-+/, ''), options);
    return `unknown option ${unknown} for ${name}${guess === undefined ? '' : `: did you mean --${guess}?`} (see mhub ${name} --help)`;
  }
  return `${message} (see mhub ${name} --help)`;
};

/** Runs one `mhub` invocation; returns the exit code. Never throws. */
export const main = async (argv: string[], io: Io = processIo()): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const spec = topic === undefined ? undefined : commands[topic];
    io.out(spec === undefined ? usage() : commandHelp(topic!, spec));
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`mhub ${version()}\n`);
    return 0;
  }
  const spec = commands[name];
  if (spec === undefined) {
    const guess = didYouMean(name, Object.keys(commands));
    io.err(
      `mhub: unknown command ${name}${guess === undefined ? '' : `: did you mean ${guess}?`} (see mhub --help)\n`,
    );
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(name, spec));
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...globalOptions, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
    return await spec.run(values as Values, positionals, io);
  } catch (error) {
    io.err(`mhub: ${parseError(error, name, spec) ?? oneLine(error)}\n`);
    return 1;
  }
};
