import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './http-adapter.ts';

/**
 * Emulates Lambda's SQS event source mapping with `ReportBatchItemFailures`, so the local stack
 * calls the real worker handlers the way AWS does:
 * - long-polls up to `batchSize` records, waiting up to the batching window to fill a batch;
 * - hands the handler a faithful `SQSEvent`;
 * - deletes the records the handler did not report as failed; failed records stay on the queue
 *   and come back after the visibility timeout, until the queue's redrive policy moves them to
 *   the DLQ after `maxReceiveCount` receives;
 * - a thrown error, a timeout or a malformed batch response fails the whole batch, as on AWS.
 */

/** A worker handler: its result is read as a `ReportBatchItemFailures` response. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  functionName: string;
  handler: SqsHandler;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  /** Lambda's function timeout: a batch still running after it counts as failed. */
  timeoutSeconds: number;
  /** Overrides the queue's visibility timeout on each receive (tests use a short one). */
  visibilityTimeoutSeconds?: number;
  /** Parallel pollers on this queue (Lambda starts several). */
  concurrency?: number;
  /** Long-poll wait per empty receive, seconds (SQS maximum 20). */
  waitTimeSeconds?: number;
  onError?: (message: string, error: unknown) => void;
}

export interface PollerStats {
  batches: number;
  received: number;
  succeeded: number;
  failed: number;
  inFlight: number;
}

export interface Poller {
  readonly stats: PollerStats;
  /** Stops receiving, lets in-flight batches finish (and be deleted), then resolves. */
  stop(): Promise<void>;
}

const SQS_MAX_BATCH = 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const toLambdaAttribute = (value: NonNullable<Message['MessageAttributes']>[string]): SQSMessageAttribute => {
  const attribute: SQSMessageAttribute = {
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
    dataType: value.DataType ?? 'String',
  };
  if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
  if (value.BinaryValue !== undefined)
    attribute.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
  return attribute;
};

/** One SDK message as Lambda hands it to a function (lower-camel attribute values, `aws:sqs`). */
export const toSqsRecord = (message: Message, queueArn: string, region: string): SQSRecord => {
  const system = message.Attributes ?? {};
  const now = String(Date.now());
  const attributes: SQSRecord['attributes'] = {
    ...(system as Record<string, string>),
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? now,
    SenderId: system.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? now,
  };
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        toLambdaAttribute(value),
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes !== undefined)
    record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
};

/**
 * Which records of a batch succeeded, the way Lambda reads a `ReportBatchItemFailures` response:
 * an empty or missing list means all succeeded; an identifier that is empty or not in the batch
 * makes the whole batch a failure.
 */
export const settleBatch = (
  records: SQSRecord[],
  response: unknown,
): { succeeded: SQSRecord[]; failed: SQSRecord[] } => {
  const failures = (response as Partial<SQSBatchResponse> | null | undefined)?.batchItemFailures ?? [];
  if (!Array.isArray(failures)) return { succeeded: [], failed: records };
  if (failures.length === 0) return { succeeded: records, failed: [] };
  const ids = new Set(records.map((record) => record.messageId));
  const failedIds = new Set<string>();
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return { succeeded: [], failed: records };
    failedIds.add(id);
  }
  return {
    succeeded: records.filter((record) => !failedIds.has(record.messageId)),
    failed: records.filter((record) => failedIds.has(record.messageId)),
  };
};

class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError';
}

export const startPoller = (options: PollerOptions): Poller => {
  const stats: PollerStats = { batches: 0, received: 0, succeeded: 0, failed: 0, inFlight: 0 };
  const abort = new AbortController();
  let running = true;
  const report = options.onError ?? (() => undefined);

  const receive = async (max: number, waitTimeSeconds: number): Promise<Message[]> => {
    const response = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(SQS_MAX_BATCH, max),
        WaitTimeSeconds: waitTimeSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        ...(options.visibilityTimeoutSeconds === undefined
          ? {}
          : { VisibilityTimeout: options.visibilityTimeoutSeconds }),
      }),
      { abortSignal: abort.signal },
    );
    return response.Messages ?? [];
  };

  /** Long-polls for a first record, then fills the batch until it is full or the window closes. */
  const gather = async (): Promise<Message[]> => {
    const batch = await receive(options.batchSize, options.waitTimeSeconds ?? 20);
    if (batch.length === 0) return batch;
    const deadline = Date.now() + options.maximumBatchingWindowSeconds * 1000;
    // Empty polls back off (25, 50, 100, 200 ms): a quiet queue costs a few requests per window,
    // not one every few milliseconds, and a busy one fills the batch on the first tries.
    let pause = 25;
    while (running && batch.length < options.batchSize && Date.now() < deadline) {
      let more: Message[];
      try {
        more = await receive(options.batchSize - batch.length, 0);
      } catch {
        break; // keep what we hold: it is invisible to everyone else until its timeout
      }
      if (more.length === 0) {
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
        pause = Math.min(200, pause * 2);
      } else pause = 25;
      batch.push(...more);
    }
    return batch;
  };

  const invoke = async (records: SQSRecord[]): Promise<unknown> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HandlerTimeoutError(`timed out after ${options.timeoutSeconds} s`)),
        options.timeoutSeconds * 1000,
      );
    });
    try {
      const context = lambdaContext(options.functionName, options.timeoutSeconds);
      return await Promise.race([options.handler({ Records: records }, context), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const deleteRecords = async (records: SQSRecord[]): Promise<void> => {
    for (let start = 0; start < records.length; start += SQS_MAX_BATCH) {
      const chunk = records.slice(start, start + SQS_MAX_BATCH);
      const response = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      for (const failure of response.Failed ?? [])
        report(`${options.functionName}: could not delete a processed record`, failure.Message);
    }
  };

  const processBatch = async (messages: Message[]): Promise<void> => {
    const records = messages.map((message) => toSqsRecord(message, options.queueArn, options.region));
    stats.batches += 1;
    stats.received += records.length;
    let outcome: { succeeded: SQSRecord[]; failed: SQSRecord[] };
    try {
      outcome = settleBatch(records, await invoke(records));
    } catch (error) {
      report(`${options.functionName}: batch of ${records.length} failed`, error);
      outcome = { succeeded: [], failed: records };
    }
    stats.failed += outcome.failed.length;
    if (outcome.succeeded.length > 0) {
      await deleteRecords(outcome.succeeded);
      stats.succeeded += outcome.succeeded.length;
    }
  };

  const loop = async (): Promise<void> => {
    while (running) {
      let messages: Message[];
      try {
        messages = await gather();
      } catch (error) {
        if (!running) return;
        report(`${options.functionName}: ReceiveMessage failed`, error);
        await sleep(1000);
        continue;
      }
      if (messages.length === 0) continue;
      // Once received, a batch is always processed, also while stopping: that is the drain.
      stats.inFlight += 1;
      try {
        await processBatch(messages);
      } catch (error) {
        report(`${options.functionName}: batch bookkeeping failed`, error);
      } finally {
        stats.inFlight -= 1;
      }
    }
  };

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop());
  return {
    stats,
    stop: async () => {
      running = false;
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
};
