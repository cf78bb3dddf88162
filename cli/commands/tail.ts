import {
  accountId,
  type CommandSpec,
  durationMs,
  expectPositionals,
  json,
  sinceTime,
  str,
  withTarget,
} from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { type Io, outcomeColor, paint } from '#cli/io.ts';
import { getRawEvent, listRawEvents } from '#lib/store/raw-event.ts';
import type { StoreDeps } from '#lib/store/write.ts';
import { scanRawEvents } from './events.ts';

/**
 * `mhub tail`: a live stream of stored events, one line each, by polling the raw-event archive:
 * an account's index (`--account`, one Query per poll) or, without it, a filtered scan (fine
 * locally; on a stage each poll reads the table, and the CLI says so).
 */

/** How far behind the receive time a worker may store an event (batching, retries) and still be shown. */
const STORE_LAG_MS = 60_000;

export interface TailOptions {
  accountId?: number | undefined;
  event?: string | undefined;
  outcome?: string | undefined;
  /** ISO time to start from (`--since 5m` is resolved by the caller). */
  since: string;
  /** Stop after this many ms (`--for`); run until Ctrl-C otherwise. */
  forMs?: number | undefined;
  pollMs: number;
  json: boolean;
}

export interface TailLine {
  received_at: string;
  event: string;
  outcome: string;
  account_id: number;
  conversation_id: number | null;
  event_id: string;
}

const isObj = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asId = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

/** The conversation (display id) an event is about, when its payload names one. */
export const conversationOf = (event: string, body: string): number | null => {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isObj(payload)) return null;
  if (event.startsWith('conversation_')) return asId(payload.display_id) ?? asId(payload.id);
  const conversation = payload.conversation ?? payload.current_conversation;
  if (isObj(conversation)) return asId(conversation.display_id) ?? asId(conversation.id);
  return asId(payload.conversation_id);
};

const formatLine = (io: Io, line: TailLine): string =>
  [
    line.received_at.replace('T', ' ').replace('Z', ''),
    line.event.padEnd(27),
    paint(io, outcomeColor(line.outcome), line.outcome.padEnd(11)),
    `acct ${line.account_id}`.padEnd(8),
    `conv ${line.conversation_id ?? '-'}`.padEnd(9),
    line.event_id.slice(0, 12),
  ].join('  ');

/** Streams events until `--for` elapses or the user interrupts; returns how many were printed. */
export const tail = async (store: StoreDeps, options: TailOptions, io: Io): Promise<number> => {
  const seen = new Set<string>();
  let cursor = options.since;
  let printed = 0;
  const deadline = options.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.forMs;
  if (!options.json)
    io.err(`tailing events since ${options.since}${options.forMs === undefined ? ' (Ctrl-C stops)' : ''}\n`);
  for (;;) {
    const polledAt = new Date(Date.now() - STORE_LAG_MS).toISOString();
    const found =
      options.accountId === undefined
        ? await scanRawEvents(store, { since: cursor, limit: Number.POSITIVE_INFINITY })
        : await listRawEvents(store, {
            accountId: options.accountId,
            since: cursor,
            limit: 1000,
            order: 'asc',
          });
    const fresh = found
      .filter((event) => !seen.has(event.event_id))
      .filter((event) => options.event === undefined || event.event === options.event)
      .filter((event) => options.outcome === undefined || event.outcome === options.outcome)
      .sort((a, b) => `${a.received_at}#${a.event_id}`.localeCompare(`${b.received_at}#${b.event_id}`));
    for (const summary of found) seen.add(summary.event_id);
    for (const summary of fresh) {
      const raw = await getRawEvent(store, { eventId: summary.event_id });
      const line: TailLine = {
        received_at: summary.received_at,
        event: summary.event,
        outcome: summary.outcome,
        account_id: summary.account_id,
        conversation_id: raw === null ? null : conversationOf(summary.event, raw.body),
        event_id: summary.event_id,
      };
      io.out(options.json ? `${JSON.stringify(line)}\n` : `${formatLine(io, line)}\n`);
      printed += 1;
    }
    // Workers store events after (and out of) receive order: keep an overlap, `seen` drops repeats.
    if (polledAt > cursor) cursor = polledAt;
    if (Date.now() >= deadline || io.interrupted()) return printed;
    await io.sleep(Math.min(options.pollMs, Math.max(0, deadline - Date.now())));
    if (io.interrupted()) return printed;
  }
};

export const tailCommand: CommandSpec = {
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
    expectPositionals(tailCommand, positionals, 0);
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
};
