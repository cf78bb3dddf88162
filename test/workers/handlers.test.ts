import { existsSync } from 'node:fs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { routeNames } from '#contracts/routes.ts';
import { messagePayload } from '#fixtures/payloads.ts';
import { workerSpec } from '#infra/serverless/functions.ts';
import { encodeEnvelope } from '#lib/events/envelope.ts';
import { listMessages } from '#lib/store/message.ts';
import { freshStack } from '#test/support/stack.ts';
import { envelopeOf, freshTable } from './support.ts';

describe('worker handlers (functions/workers/handler.ts, one generated per route)', () => {
  it('exist for every queue route', async () => {
    vi.stubEnv('TABLE_NAME', 'not-read-here');
    const module = await import('#functions/workers/handler.ts');
    for (const route of routeNames) {
      expect(existsSync(workerSpec(route).entry), route).toBe(true);
      // The entry the build bundles for the route calls a factory the handler module exports.
      const factory = /import \{ (\w+) \}/.exec(workerSpec(route).generatedEntry ?? '')?.[1];
      expect(typeof module[factory as keyof typeof module], route).toBe('function');
      expect(typeof module.workerHandlerFor(route), route).toBe('function');
    }
    vi.unstubAllEnvs();
  });

  it('take a batch received from the real queue: a forged poison message fails alone, the others commit', async () => {
    const stack = await freshStack();
    const tableName = await freshTable(stack.dynamodb);
    // What serverless.yml gives the function; DynamoDB Local keeps tables per access key.
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      RAW_EVENT_TTL_DAYS: '7',
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { eventWorkerHandler } = await import('#functions/workers/handler.ts');
    const handler = eventWorkerHandler('message_created');
    const queueUrl = stack.queues.find((q) => q.route === 'message-created')!.url;
    for (const id of [6001, 6002]) {
      const encoded = encodeEnvelope(envelopeOf(messagePayload({ id }), { eventId: `h-${id}` }));
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: encoded.body,
          MessageAttributes: encoded.attributes,
        }),
      );
    }
    // Forged straight into the queue: a body with none of the envelope's attributes.
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not an envelope' }));
    const received = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    const records: SQSRecord[] = (received.Messages ?? []).map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: {} as SQSRecord['attributes'],
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { stringValue: v.StringValue, dataType: v.DataType! },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    }));
    expect(records).toHaveLength(3);
    const poison = records.find((r) => r.body === 'not an envelope')!;
    const response = await handler({ Records: records });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    // As the event source mapping does: delete what succeeded; the poison stays for redelivery / the DLQ.
    await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: records
          .filter((r) => r !== poison)
          .map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
    const messages = await listMessages(
      { dynamodb: stack.dynamodb, tableName },
      { accountId: 1, conversationId: 7 },
    );
    expect(messages.map((m) => m.id)).toEqual([6001, 6002]);
  });
});
