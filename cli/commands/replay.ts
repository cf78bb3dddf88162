import {
  accountId,
  type CommandSpec,
  expectPositionals,
  json,
  sinceTime,
  str,
  wholeNumber,
  withTarget,
} from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { type Io, printJson, progress, table } from '#cli/io.ts';
import type { Target } from '#cli/target.ts';
import type { RouteName } from '#contracts/routes.ts';
import { deliverMessage, REDRIVE_RETRY_BUDGET, sqsSendMessage } from '#lib/delivery/send.ts';
import { type Envelope, encodeEnvelope } from '#lib/events/envelope.ts';
import { payloadChecks } from '#lib/ingest/payload-checks.ts';
import { routeArchivedEvent } from '#lib/ingest/steps/route.ts';
import { UNKNOWN_ACCOUNT_ID } from '#lib/store/keys.ts';
import { getRawEvent, listRawEvents, rawEventEnvelope } from '#lib/store/raw-event.ts';
import { resolveEventId } from './event.ts';

/**
 * `mhub replay`: re-enqueues archived events through the normal path. Each event is routed the way
 * the ingest routes it today (so an event archived before its handler existed now reaches that
 * handler; a payload that now fits its schema leaves quarantine) and sent with its original
 * envelope: same event id, source, receive time, sender timestamp and exact body. Writes are
 * idempotent, so replaying is harmless.
 */

/** The route the ingest would pick for this envelope now, with the validation issues of a misfit. */
export const routeFor = (envelope: Envelope): Promise<{ route: RouteName; issues?: string }> =>
  routeArchivedEvent(envelope.event, envelope.rawBody, payloadChecks);

export interface ReplayedEvent {
  event_id: string;
  event: string;
  route: RouteName;
}

const replayOne = async (target: Target, eventId: string): Promise<ReplayedEvent> => {
  const raw = await getRawEvent(target.store, { eventId });
  if (raw === null) throw new CliError(`event ${eventId} is not in the archive (never received, or expired)`);
  const archived = rawEventEnvelope(raw);
  const { validationIssues: _old, ...rest } = archived;
  const envelope: Envelope = {
    ...rest,
    accountId: raw.account_id === UNKNOWN_ACCOUNT_ID ? null : raw.account_id,
  };
  const { route, issues } = await routeFor(envelope);
  if (issues !== undefined) envelope.validationIssues = issues;
  // Always gzip+base64: safe for any body (SQS refuses some characters as text), and the worker
  // decodes it to the very same bytes.
  const message = encodeEnvelope(envelope, 0);
  // The sweeper's bounded delivery: retried, every attempt aborted at its deadline.
  await deliverMessage(
    sqsSendMessage(target.sqs),
    await target.queueUrl(route),
    message,
    REDRIVE_RETRY_BUDGET,
  );
  return { event_id: envelope.eventId, event: envelope.event, route };
};

export interface ReplayOptions {
  eventId?: string | undefined;
  accountId?: number | undefined;
  since?: string | undefined;
  limit: number;
}

export const replay = async (target: Target, options: ReplayOptions, io: Io): Promise<ReplayedEvent[]> => {
  if (options.eventId !== undefined) {
    if (options.accountId !== undefined || options.since !== undefined)
      throw new CliError('use either --event-id, or --account with --since');
    return [await replayOne(target, options.eventId)];
  }
  if (options.accountId === undefined || options.since === undefined)
    throw new CliError('replay needs --event-id <id>, or --account <id> --since <iso>');
  const summaries = await listRawEvents(target.store, {
    accountId: options.accountId,
    since: options.since,
    limit: options.limit,
    order: 'asc',
  });
  const bar = progress(io, 'replay', summaries.length);
  const replayed: ReplayedEvent[] = [];
  try {
    for (const summary of summaries) {
      replayed.push(await replayOne(target, summary.event_id));
      bar.tick();
    }
  } finally {
    bar.done();
  }
  return replayed;
};

export const printReplay = (io: Io, replayed: ReplayedEvent[], json: boolean): void => {
  if (json) {
    printJson(io, replayed);
    return;
  }
  if (replayed.length === 0) {
    io.out('no archived events matched: nothing replayed\n');
    return;
  }
  io.out(
    table(replayed, [
      { header: 'EVENT', value: (e) => e.event },
      { header: 'QUEUE', value: (e) => e.route },
      { header: 'EVENT ID', value: (e) => e.event_id, max: 80 },
    ]),
  );
  io.out(`${replayed.length} event(s) re-enqueued\n`);
};

export const replayCommand: CommandSpec = {
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
    expectPositionals(replayCommand, positionals, 0);
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
};
