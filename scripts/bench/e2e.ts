import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalStack } from '../../infra/local/stack.ts';
import { deliveryHeader, signedHeaders } from '../../lib/signing.ts';
import { listMessages } from '../../lib/store/message.ts';
import { getRawEvent } from '../../lib/store/raw-event.ts';
import {
  chatwootJson,
  contactPayload,
  conversationPayload,
  messagePayload,
  story,
} from '../../test/fixtures/payloads.ts';
import { round } from './stats.ts';

/**
 * Budget (c): end-to-end throughput of the local stack (H5's `startLocalStack`, the very stack
 * `npm start` runs): signed HTTP deliveries → real ingest handler → fauxqs → pollers → real worker
 * handlers → DynamoDB Local, against the raw PutItem rate of the same DynamoDB Local for the same
 * number of writes, measured in the same run (raw, pipeline, raw again). Then every event is
 * counted back: each event id has its raw archive record (none lost) and the conversation holds
 * exactly the messages sent (none duplicated).
 */

export interface EndToEndResult {
  events: number;
  concurrency: number;
  pollerConcurrency: number;
  mix: Record<string, number>;
  rawWritesPerSecond: number;
  rawRuns: number[];
  pipelineEventsPerSecond: number;
  ratio: number;
  pipelineSeconds: number;
  non202: number;
  lost: number;
  duplicatedMessages: number;
  missingMessages: number;
  workerRecordsSucceeded: number;
  workerRecordsFailed: number;
  itemsWrittenPerEvent: number | null;
}

const secret = 'bench-e2e-secret-0123456789';

const runConcurrently = async (
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        await task(index);
      }
    }),
  );
};

interface Delivery {
  event: string;
  eventId: string;
  body: string;
  messageId?: number;
}

/** A realistic mix: mostly new messages (each a new fact), plus contact and conversation updates. */
const deliveries = (count: number, runId: string): Delivery[] =>
  Array.from({ length: count }, (_, index) => {
    const eventId = `${runId}-${String(index).padStart(6, '0')}`;
    const at = story.t0 + 10 + index;
    const kind = index % 10;
    if (kind < 7) {
      const messageId = 500_000 + index;
      return {
        event: 'message_created',
        eventId,
        messageId,
        body: chatwootJson(messagePayload({ id: messageId, at, content: `bench message ${index}` })),
      };
    }
    if (kind < 9)
      return {
        event: 'contact_updated',
        eventId,
        body: chatwootJson(contactPayload({ event: 'contact_updated' })),
      };
    return {
      event: 'conversation_updated',
      eventId,
      body: chatwootJson(conversationPayload({ event: 'conversation_updated', at })),
    };
  });

export const benchEndToEnd = async (options: {
  events: number;
  concurrency: number;
  /** Concurrent batches per queue; Lambda's SQS event source mapping starts with 5 and scales up. */
  pollerConcurrency: number;
  /** Write a CPU profile of this process covering the pipeline run only. */
  profileDir?: string;
}): Promise<EndToEndResult> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mhub-bench-'));
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    quiet: true,
    dataDir,
    secrets: { bench: secret },
    writeStateFile: false,
    pollWaitSeconds: 1,
    pollerConcurrency: options.pollerConcurrency,
    sweepIntervalMs: 60_000,
  });
  try {
    const { dynamodb, tableName } = stack;
    const putRaw = (prefix: string) => (index: number) =>
      dynamodb
        .send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: `BENCH#${prefix}#${index}` },
              sk: { S: 'RAW' },
              data: { S: 'x'.repeat(256) },
            },
          }),
        )
        .then(() => undefined);
    const rawRun = async (prefix: string): Promise<number> => {
      const started = performance.now();
      await runConcurrently(options.events, options.concurrency, putRaw(prefix));
      return options.events / ((performance.now() - started) / 1000);
    };
    const countItems = async (): Promise<number> => {
      const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
      let total = 0;
      let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(
          new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: startKey }),
        );
        total += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return total;
    };
    const send = async (delivery: Delivery): Promise<number> => {
      const response = await fetch(`${stack.endpoint}/webhooks/bench`, {
        method: 'POST',
        headers: {
          ...signedHeaders(secret, delivery.body),
          [deliveryHeader]: delivery.eventId,
          'user-agent': 'Ruby',
        },
        body: delivery.body,
      });
      await response.arrayBuffer();
      return response.status;
    };
    const succeeded = (): number =>
      Object.values(stack.pollerStats()).reduce((sum, stats) => sum + stats.succeeded, 0);
    const failed = (): number =>
      Object.values(stack.pollerStats()).reduce((sum, stats) => sum + stats.failed, 0);

    // Warm-up (JIT of DynamoDB Local, the handlers and fauxqs), untimed, then start from idle.
    await runConcurrently(300, options.concurrency, putRaw('warm'));
    const warm = deliveries(100, 'warm');
    await runConcurrently(warm.length, options.concurrency, async (index) => {
      await send(warm[index]!);
    });
    await stack.waitForIdle({ timeoutMs: 120_000 });

    const rawFirst = await rawRun('raw1');

    const runId = `bench${Date.now().toString(36)}`;
    const batch = deliveries(options.events, runId);
    const itemsBefore = await countItems();
    const baseline = succeeded();
    let non202 = 0;
    const session = options.profileDir === undefined ? undefined : new Session();
    if (session !== undefined) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const started = performance.now();
    await runConcurrently(batch.length, options.concurrency, async (index) => {
      if ((await send(batch[index]!)) !== 202) non202++;
    });
    const deadline = Date.now() + 300_000;
    while (succeeded() - baseline < batch.length - non202 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const pipelineSeconds = (performance.now() - started) / 1000;
    if (session !== undefined && options.profileDir !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(options.profileDir, { recursive: true });
      writeFileSync(join(options.profileDir, 'pipeline.cpuprofile'), JSON.stringify(profile));
      session.disconnect();
    }
    await stack.waitForIdle({ timeoutMs: 120_000 });
    const itemsAfter = await countItems();

    const rawSecond = await rawRun('raw2');
    const rawWritesPerSecond = (rawFirst + rawSecond) / 2;
    const pipelineEventsPerSecond = batch.length / pipelineSeconds;

    // Count every event back.
    const store = { dynamodb, tableName };
    let lost = 0;
    await runConcurrently(batch.length, options.concurrency, async (index) => {
      if ((await getRawEvent(store, { eventId: batch[index]!.eventId })) === null) lost++;
    });
    const sentMessageIds = new Set(batch.flatMap((d) => (d.messageId === undefined ? [] : [d.messageId])));
    const stored = (
      await listMessages(store, { accountId: story.accountId, conversationId: story.conversationId })
    )
      .map((message) => (message as unknown as { id: number }).id)
      .filter((id) => sentMessageIds.has(id));
    const storedSet = new Set(stored);
    const mix: Record<string, number> = {};
    for (const delivery of batch) mix[delivery.event] = (mix[delivery.event] ?? 0) + 1;
    return {
      events: batch.length,
      concurrency: options.concurrency,
      pollerConcurrency: options.pollerConcurrency,
      mix,
      rawWritesPerSecond: round(rawWritesPerSecond, 1),
      rawRuns: [round(rawFirst, 1), round(rawSecond, 1)],
      pipelineEventsPerSecond: round(pipelineEventsPerSecond, 1),
      ratio: round(pipelineEventsPerSecond / rawWritesPerSecond, 3),
      pipelineSeconds: round(pipelineSeconds, 2),
      non202,
      lost,
      duplicatedMessages: stored.length - storedSet.size,
      missingMessages: [...sentMessageIds].filter((id) => !storedSet.has(id)).length,
      workerRecordsSucceeded: succeeded() - baseline,
      workerRecordsFailed: failed(),
      itemsWrittenPerEvent: round((itemsAfter - itemsBefore) / batch.length, 2),
    };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
