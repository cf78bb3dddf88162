import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeOfEvent } from '#contracts/routes.ts';
import { chatwootJson, handledPayload } from '#fixtures/payloads.ts';
import { REDRIVE_RETRY_BUDGET } from '#lib/delivery/send.ts';
import { decodeEnvelope, encodeEnvelope } from '#lib/events/envelope.ts';
import { listSpillover, putSpillover, spilloverShard } from '#lib/store/spillover.ts';
import { drainQueue } from '#test/ingest/support.ts';
import { hungServer } from '#test/support/fault-servers.ts';
import { freshStack } from '#test/support/stack.ts';

describe('functions/spillover-sweeper/handler.ts end to end', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('moves every spilled record to its queue and empties the spillover', async () => {
    const stack = await freshStack();
    const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
    const events = ['message_created', 'webwidget_triggered', 'conversation_updated'] as const;
    for (const [index, event] of events.entries()) {
      const rawBody = chatwootJson(handledPayload(event));
      const receivedAt = new Date(Date.UTC(2026, 2, 2, 9, 0, index)).toISOString();
      const message = encodeEnvelope({
        eventId: `evt-${index}`,
        event,
        source: 'acme',
        receivedAt,
        senderTimestamp: null,
        accountId: 1,
        rawBody,
      });
      const route = event.replaceAll('_', '-') as
        | 'message-created'
        | 'webwidget-triggered'
        | 'conversation-updated';
      await putSpillover(store, { route, eventId: `evt-${index}`, receivedAt, message });
    }
    for (const [name, value] of Object.entries({
      QUEUE_URL_PREFIX: stack.queueUrlPrefix,
      TABLE_NAME: stack.tableName,
      AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    }))
      vi.stubEnv(name, value);
    vi.resetModules();
    const { handler } = await import('#functions/spillover-sweeper/handler.ts');
    const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
    expect(await handler({} as ScheduledEvent, context)).toEqual({ moved: 3, failed: 0, incomplete: 0 });
    for (const [index, event] of events.entries()) {
      const [message, ...rest] = await drainQueue(stack, routeOfEvent(event));
      expect(rest).toHaveLength(0);
      const envelope = decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {});
      expect(envelope).toMatchObject({
        event,
        eventId: `evt-${index}`,
        rawBody: chatwootJson(handledPayload(event)),
      });
    }
    const left = await stack.dynamodb.send(
      new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
    );
    expect(left.Items).toEqual([]);
    // Near its timeout the sweeper takes no new page.
    expect(await handler({} as ScheduledEvent, { getRemainingTimeInMillis: () => 1000 } as Context)).toEqual({
      moved: 0,
      failed: 0,
      incomplete: 0,
    });
  });

  it('with SQS accepting and never answering, gives up on the record within its budget and keeps it', async () => {
    const stack = await freshStack();
    const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
    const receivedAt = '2026-03-02T09:00:00.000Z';
    const message = encodeEnvelope({
      eventId: 'evt-hung',
      event: 'message_created',
      source: 'acme',
      receivedAt,
      senderTimestamp: null,
      accountId: 1,
      rawBody: chatwootJson(handledPayload('message_created')),
    });
    await putSpillover(store, { route: 'message-created', eventId: 'evt-hung', receivedAt, message });
    const sqs = await hungServer();
    try {
      for (const [name, value] of Object.entries({
        QUEUE_URL_PREFIX: stack.queueUrlPrefix,
        TABLE_NAME: stack.tableName,
        AWS_ENDPOINT_URL_SQS: sqs.url,
        AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
      }))
        vi.stubEnv(name, value);
      vi.resetModules();
      const { handler } = await import('#functions/spillover-sweeper/handler.ts');
      const started = Date.now();
      const result = await handler(
        {} as ScheduledEvent,
        { getRemainingTimeInMillis: () => 60_000 } as Context,
      );
      const elapsed = Date.now() - started;
      expect(result).toEqual({ moved: 0, failed: 1, incomplete: 0 });
      expect(sqs.hits()).toBeGreaterThan(1); // retried, each attempt cut at its deadline
      expect(elapsed).toBeLessThan(REDRIVE_RETRY_BUDGET.totalMs + 1500);
      const { records } = await listSpillover(store, spilloverShard('evt-hung'));
      expect(records.map((record) => record.eventId)).toEqual(['evt-hung']);
    } finally {
      await sqs.close();
    }
  }, 30_000);
});
