import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { RouteName } from '../../events/catalog.ts';
import { attributeNames } from '../../events/envelope.ts';
import { REDRIVE_RETRY_BUDGET } from '../../ingest/queue.ts';
import { withRetry } from '../../ingest/retry.ts';
import { type Io, printJson, progress, table } from '../io.ts';
import { selectRoutes } from '../routes.ts';
import type { Target } from '../target.ts';

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

const depth = async (target: Target, url: string): Promise<number> => {
  const response = await target.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(response.Attributes?.ApproximateNumberOfMessages ?? 0);
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

const release = async (target: Target, url: string, messages: Message[]): Promise<void> => {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    await target.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
};

/**
 * Lists DLQ messages without consuming them: receives them all (hidden for a short while), then
 * makes them visible again.
 */
export const listDeadLetters = async (
  target: Target,
  options: { queue?: string | undefined; limit?: number },
): Promise<DlqEntry[]> => {
  const limit = options.limit ?? 1000;
  const entries: DlqEntry[] = [];
  for (const route of selectRoutes(options.queue)) {
    const url = await target.deadLetterQueueUrl(route);
    const held: Message[] = [];
    const seen = new Set<string>();
    try {
      while (entries.length < limit) {
        const batch = await receive(target, url, 30);
        const fresh = batch.filter((message) => !seen.has(message.MessageId ?? ''));
        if (fresh.length === 0) {
          held.push(...batch);
          break;
        }
        for (const message of fresh) {
          seen.add(message.MessageId ?? '');
          entries.push(toEntry(route, message));
        }
        held.push(...batch);
      }
    } finally {
      await release(target, url, held);
    }
  }
  return entries.slice(0, limit);
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

export const printDeadLetters = (io: Io, entries: DlqEntry[], json: boolean): void => {
  if (json) {
    printJson(io, entries);
    return;
  }
  if (entries.length === 0) {
    io.out('no messages in the dead-letter queues\n');
    return;
  }
  io.out(
    table(entries, [
      { header: 'QUEUE', value: (e) => e.queue },
      { header: 'EVENT', value: (e) => e.event },
      { header: 'ACCOUNT', value: (e) => e.account_id },
      { header: 'RECEIVES', value: (e) => e.receive_count },
      { header: 'RECEIVED AT', value: (e) => e.received_at },
      { header: 'EVENT ID', value: (e) => e.event_id, max: 80 },
    ]),
  );
};

export const printRedrive = (io: Io, results: RedriveResult[], json: boolean): void => {
  if (json) {
    printJson(io, results);
    return;
  }
  const moved = results.filter((result) => result.moved + result.failed > 0);
  if (moved.length === 0) {
    io.out('nothing to redrive: the dead-letter queues are empty\n');
    return;
  }
  io.out(
    table(moved, [
      { header: 'QUEUE', value: (r) => r.queue },
      { header: 'MOVED', value: (r) => r.moved },
      { header: 'FAILED', value: (r) => r.failed },
    ]),
  );
};
