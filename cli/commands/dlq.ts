import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { type CommandSpec, json, str, withTarget } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { type Io, progress } from '#cli/io.ts';
import { selectRoutes } from '#cli/routes.ts';
import type { Target } from '#cli/target.ts';
import { printDeadLetters, printPurge, printRedrive } from '#cli/views/dlq.ts';
import type { RouteName } from '#contracts/routes.ts';
import { withRetry } from '#lib/delivery/retry.ts';
import { REDRIVE_RETRY_BUDGET } from '#lib/delivery/send.ts';
import { attributeNames } from '#lib/events/envelope.ts';

/**
 * `mhub dlq list` and `mhub dlq redrive`. The local emulator has no StartMessageMoveTask, so a
 * redrive is receive → send to the main queue (same body and attributes) → delete, ten at a time;
 * the same code works on AWS.
 */

export interface DlqEntry {
  queue: RouteName;
  message_id: string;
  event: string | null;
  event_id: string | null;
  account_id: number | null;
  received_at: string | null;
  receive_count: number;
  sent_at: string | null;
}

const attribute = (message: Message, name: string): string | null =>
  message.MessageAttributes?.[name]?.StringValue ?? null;

const toEntry = (queue: RouteName, message: Message): DlqEntry => {
  const account = attribute(message, attributeNames.accountId);
  const sent = message.Attributes?.SentTimestamp;
  return {
    queue,
    message_id: message.MessageId ?? '',
    event: attribute(message, attributeNames.event),
    event_id: attribute(message, attributeNames.eventId),
    account_id: account === null ? null : Number(account),
    received_at: attribute(message, attributeNames.receivedAt),
    // The count from the main queue's receives travels with the message into the DLQ.
    receive_count: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sent_at: sent === undefined ? null : new Date(Number(sent)).toISOString(),
  };
};

/**
 * Messages on a queue, hidden ones included: a message a listing just released is due back, and
 * fauxqs counts it as in flight until its next receive (SQS by the clock).
 */
const depth = async (target: Target, url: string): Promise<number> => {
  const response = await target.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(response.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};

const receive = async (target: Target, url: string, visibilitySeconds: number): Promise<Message[]> => {
  const response = await target.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: visibilitySeconds,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return response.Messages ?? [];
};

/**
 * Makes received messages visible again after `seconds`. Never 0: fauxqs 2.4.1 with persistence
 * (the `npm start` stack) loses a message on ChangeMessageVisibility to 0 (it drops it from the
 * in-flight list, then fails to write NULL into sqs_messages.approximate_receive_count and never
 * puts it back; see docs/cli.md, "fauxqs upstream reproduction"). A short timeout takes the code
 * path that persists correctly, and on AWS it is the same call with a one-second delay.
 */
export const RELEASE_SECONDS = 1;

const release = async (
  target: Target,
  url: string,
  messages: Message[],
  seconds: number = RELEASE_SECONDS,
): Promise<number> => {
  let failed = 0;
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    const response = await target.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
          VisibilityTimeout: seconds,
        })),
      }),
    );
    failed += response.Failed?.length ?? 0;
  }
  return failed;
};

/** While listing, a received message stays hidden this long, so one pass never sees it twice. */
const PEEK_HOLD_SECONDS = 30;

interface Peeked {
  route: RouteName;
  url: string;
  messages: Message[];
}

/**
 * Reads a DLQ without consuming it: receives every message (hidden while the pass runs), then
 * releases them all with a one-second visibility and waits until they are visible again, so the
 * next command (redrive, purge, another list) sees the queue exactly as it was. Only the receive
 * count grows, as it does for any SQS read.
 */
const peekQueue = async (target: Target, route: RouteName, limit: number, io?: Io): Promise<Peeked> => {
  const url = await target.deadLetterQueueUrl(route);
  const held: Message[] = [];
  const seen = new Set<string>();
  try {
    while (held.length < limit) {
      const batch = await receive(target, url, PEEK_HOLD_SECONDS);
      const fresh = batch.filter((message) => !seen.has(message.MessageId ?? ''));
      held.push(...batch.filter((message) => seen.has(message.MessageId ?? '')));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.add(message.MessageId ?? '');
      held.push(...fresh);
    }
  } finally {
    if (held.length > 0) {
      const failed = await release(target, url, held);
      if (failed > 0)
        io?.err(
          `note: ${failed} message(s) of ${route} stay hidden up to ${PEEK_HOLD_SECONDS} s (not lost)\n`,
        );
      await new Promise((resolve) => setTimeout(resolve, RELEASE_SECONDS * 1000 + 200));
    }
  }
  const unique = new Map(held.map((message) => [message.MessageId ?? '', message]));
  return { route, url, messages: [...unique.values()] };
};

/** Lists DLQ messages without consuming or losing them (see peekQueue). */
export const listDeadLetters = async (
  target: Target,
  options: { queue?: string | undefined; limit?: number },
  io?: Io,
): Promise<DlqEntry[]> => {
  const limit = options.limit ?? 1000;
  const peeked = await Promise.all(
    selectRoutes(options.queue).map((route) => peekQueue(target, route, limit, io)),
  );
  return peeked
    .flatMap((queue) => queue.messages.map((message) => toEntry(queue.route, message)))
    .slice(0, limit);
};

export interface PurgeResult {
  queue: RouteName;
  matched: number;
  deleted: number;
}

const matchesId = (entry: DlqEntry, id: string | undefined): boolean =>
  id === undefined || entry.message_id.startsWith(id) || (entry.event_id ?? '').startsWith(id);

/**
 * Deletes a DLQ's messages for good: all of them, or those whose message id or event id starts
 * with `id`. Only what was shown (and confirmed) is deleted: a message that arrives meanwhile stays.
 */
export const purgeDeadLetters = async (
  target: Target,
  options: { queue: string; id?: string | undefined; yes: boolean },
  io: Io,
): Promise<PurgeResult> => {
  const [route] = selectRoutes(options.queue);
  if (route === undefined) throw new CliError(`unknown queue ${options.queue}`);
  const peeked = await peekQueue(target, route, 100_000, io);
  const doomed = peeked.messages
    .map((message) => toEntry(route, message))
    .filter((e) => matchesId(e, options.id));
  const result: PurgeResult = { queue: route, matched: doomed.length, deleted: 0 };
  if (doomed.length === 0) return result;
  if (options.id !== undefined && new Set(doomed.map((entry) => entry.event_id ?? entry.message_id)).size > 1)
    throw new CliError(
      `--id ${options.id} matches ${doomed.length} messages of ${route}: give more characters (${doomed
        .slice(0, 3)
        .map((entry) => (entry.event_id ?? entry.message_id).slice(0, 12))
        .join(', ')}…)`,
    );
  if (!options.yes) {
    const question = `delete ${doomed.length} message(s) from the ${route} dead-letter queue for good?`;
    if (!(await io.confirm(question)))
      throw new CliError(`nothing deleted: confirm on a terminal, or pass --yes (${question})`);
  }
  const wanted = new Set(doomed.map((entry) => entry.message_id));
  const keep: Message[] = [];
  try {
    for (let rounds = 0; wanted.size > 0 && rounds < 1000; rounds++) {
      const batch = await receive(target, peeked.url, PEEK_HOLD_SECONDS);
      if (batch.length === 0) break;
      const hit = batch.filter((message) => wanted.has(message.MessageId ?? ''));
      const fresh = batch.filter((message) => !wanted.has(message.MessageId ?? ''));
      if (
        fresh.every((message) => keep.some((kept) => kept.MessageId === message.MessageId)) &&
        hit.length === 0
      )
        break;
      keep.push(...fresh);
      if (hit.length === 0) continue;
      const deleted = await target.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: peeked.url,
          Entries: hit.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
          })),
        }),
      );
      for (const entry of deleted.Successful ?? []) {
        const message = hit[Number(entry.Id)];
        if (message !== undefined) wanted.delete(message.MessageId ?? '');
        result.deleted += 1;
      }
    }
  } finally {
    if (keep.length > 0) {
      await release(target, peeked.url, keep);
      // Back on the queue before the next command looks.
      await new Promise((resolve) => setTimeout(resolve, RELEASE_SECONDS * 1000 + 200));
    }
  }
  return result;
};

const outgoingAttributes = (message: Message): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        DataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
      },
    ]),
  );

export interface RedriveResult {
  queue: RouteName;
  moved: number;
  failed: number;
}

/** Moves every DLQ message of the selected routes back onto its main queue. */
export const redriveDeadLetters = async (
  target: Target,
  options: { queue?: string | undefined },
  io: Io,
): Promise<RedriveResult[]> => {
  const routes = selectRoutes(options.queue);
  const sources = await Promise.all(
    routes.map(async (route) => {
      const dlqUrl = await target.deadLetterQueueUrl(route);
      return { route, dlqUrl, mainUrl: await target.queueUrl(route), count: await depth(target, dlqUrl) };
    }),
  );
  const bar = progress(
    io,
    'redrive',
    sources.reduce((sum, source) => sum + source.count, 0),
  );
  const results: RedriveResult[] = [];
  try {
    for (const source of sources) {
      const result: RedriveResult = { queue: source.route, moved: 0, failed: 0 };
      results.push(result);
      if (source.count === 0) continue;
      // A message moved in this run that fails again and returns must not be moved twice.
      const movedIds = new Set<string>();
      for (;;) {
        const batch = await receive(target, source.dlqUrl, 60);
        if (batch.length === 0) break;
        const again = batch.filter((message) => movedIds.has(attributeOf(message)));
        const fresh = batch.filter((message) => !movedIds.has(attributeOf(message)));
        if (again.length > 0) await release(target, source.dlqUrl, again);
        if (fresh.length === 0) break;
        // The sweeper's bounded delivery: retried, every attempt aborted at its deadline. A retry
        // after a timed-out attempt may send a message twice; the workers dedupe by event id.
        const entries = fresh.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          MessageAttributes: outgoingAttributes(message),
        }));
        const sent = await withRetry(
          (signal) =>
            target.sqs.send(new SendMessageBatchCommand({ QueueUrl: source.mainUrl, Entries: entries }), {
              abortSignal: signal,
            }),
          REDRIVE_RETRY_BUDGET,
          undefined,
          'SQS SendMessageBatch',
        );
        const ok = new Set((sent.Successful ?? []).map((entry) => Number(entry.Id)));
        const toDelete = fresh.filter((_, index) => ok.has(index));
        if (toDelete.length > 0)
          await target.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: source.dlqUrl,
              Entries: toDelete.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle ?? '',
              })),
            }),
          );
        for (const message of toDelete) movedIds.add(attributeOf(message));
        const failed = fresh.length - toDelete.length;
        result.moved += toDelete.length;
        result.failed += failed;
        bar.tick(fresh.length);
        if (failed > 0) {
          await release(
            target,
            source.dlqUrl,
            fresh.filter((_, index) => !ok.has(index)),
          );
          break;
        }
      }
    }
  } finally {
    bar.done();
  }
  return results;
};

/** The event id, else the message id: what identifies a message across a move. */
const attributeOf = (message: Message): string =>
  attribute(message, attributeNames.eventId) ?? message.MessageId ?? '';

export const dlqCommand: CommandSpec = {
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
