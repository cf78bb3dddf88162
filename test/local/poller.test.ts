import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { settleBatch, startPoller } from '#infra/local/poller.ts';
import { routeTuning } from '#infra/queues.ts';
import { freshStack } from '#test/support/stack.ts';

const record = (messageId: string): SQSRecord => ({ messageId }) as SQSRecord;

describe('settleBatch (ReportBatchItemFailures semantics)', () => {
  const batch = [record('a'), record('b'), record('c')];
  it('treats a missing or empty response as full success', () => {
    expect(settleBatch(batch, undefined).succeeded).toHaveLength(3);
    expect(settleBatch(batch, { batchItemFailures: [] }).failed).toHaveLength(0);
  });
  it('fails only the reported records', () => {
    const outcome = settleBatch(batch, { batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(outcome.succeeded.map((r) => r.messageId)).toEqual(['a', 'c']);
    expect(outcome.failed.map((r) => r.messageId)).toEqual(['b']);
  });
  it('fails the whole batch on an unknown or empty identifier, as Lambda does', () => {
    expect(settleBatch(batch, { batchItemFailures: [{ itemIdentifier: 'zz' }] }).failed).toHaveLength(3);
    expect(settleBatch(batch, { batchItemFailures: [{ itemIdentifier: '' }] }).succeeded).toHaveLength(0);
  });
});

const depth = async (stack: Awaited<ReturnType<typeof freshStack>>, url: string): Promise<number> => {
  const response = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(response.Attributes?.ApproximateNumberOfMessages) +
    Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
};

const until = async (check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('SQS event source mapping emulation (fauxqs)', () => {
  it('hands Lambda-shaped records, deletes successes, and sends a poison record to the DLQ after maxReceiveCount', async () => {
    const stack = await freshStack();
    const queue = stack.queues.find((q) => q.route === 'message-created')!;
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: ['good-1', 'poison', 'good-2'].map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: { eventId: { DataType: 'String', StringValue: `id-${body}` } },
        })),
      }),
    );
    const seen: SQSEvent[] = [];
    const receiveCounts: string[] = [];
    const poller = startPoller({
      sqs: stack.sqs,
      queueUrl: queue.url,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      region: 'us-east-1',
      functionName: 'worker-test',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0.2,
      timeoutSeconds: 5,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
      handler: async (event) => {
        seen.push(event);
        const poison = event.Records.filter((r) => r.body === 'poison');
        receiveCounts.push(...poison.map((r) => r.attributes.ApproximateReceiveCount));
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    try {
      await until(
        async () => (await depth(stack, queue.deadLetterUrl)) === 1 && (await depth(stack, queue.url)) === 0,
      );
    } finally {
      await poller.stop();
    }
    const first = seen[0]!.Records[0]!;
    expect(first).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
      messageAttributes: { eventId: { dataType: 'String', stringValue: expect.stringMatching(/^id-/) } },
    });
    expect(first.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(first.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(receiveCounts).toEqual(
      Array.from({ length: routeTuning('message-created').maxReceiveCount }, (_, i) => String(i + 1)),
    );
    expect(poller.stats.succeeded).toBe(2);
    const dlq = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.deadLetterUrl }));
    expect(dlq.Messages?.[0]?.Body).toBe('poison');
  });

  it('fails the whole batch when the handler throws, and drains an in-flight batch on stop', async () => {
    const stack = await freshStack();
    const queue = stack.queues.find((q) => q.route === 'archive')!;
    await stack.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: '1', MessageBody: 'x' }] }),
    );
    let calls = 0;
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const poller = startPoller({
      sqs: stack.sqs,
      queueUrl: queue.url,
      queueArn: 'arn',
      region: 'us-east-1',
      functionName: 'worker-test',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      timeoutSeconds: 5,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
      handler: async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        await blocked; // second delivery: still running when stop() is called
        return { batchItemFailures: [] };
      },
    });
    await until(async () => calls === 2);
    const stopping = poller.stop();
    release();
    await stopping;
    expect(poller.stats.failed).toBe(1);
    expect(poller.stats.succeeded).toBe(1);
    expect(await depth(stack, queue.url)).toBe(0);
  });
});
