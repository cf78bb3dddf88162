import { randomBytes, randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { routeNames } from '#contracts/routes.ts';
import { chatwootJson, handledPayload, largeMessagePayload, unknownPayload } from '#fixtures/payloads.ts';
import { localDynamoDbClient, localSqsClient } from '#infra/local/clients.ts';
import { sqsSendMessage } from '#lib/delivery/send.ts';
import { sweepSpillover } from '#lib/delivery/sweep.ts';
import { decodeEnvelope, encodeEnvelope } from '#lib/events/envelope.ts';
import { handleWebhook } from '#lib/ingest/handle-webhook.ts';
import type { Outcome } from '#lib/ingest/outcome.ts';
import {
  listSpillover,
  putSpillover,
  SPILLOVER_SHARDS,
  type SpilloverStore,
  spilloverShard,
} from '#lib/store/spillover.ts';
import { depsFor, drainQueue, NOW, parseBody, webhookRequest } from '#test/ingest/support.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';

/** Nothing listens on port 1: connections are refused at once. */
const CLOSED = 'http://127.0.0.1:1';
const deadSqs = sqsSendMessage(localSqsClient(CLOSED));
const fastBudget = { totalMs: 200, baseDelayMs: 10, maxDelayMs: 50 };

const scanTable = async (stack: TestStack) =>
  (await stack.dynamodb.send(new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }))).Items ??
  [];

const allSpilled = async (store: SpilloverStore) => {
  const records = [];
  for (let shard = 0; shard < SPILLOVER_SHARDS; shard++)
    records.push(...(await listSpillover(store, shard)).records);
  return records;
};

describe('spillover: SQS unreachable', () => {
  let stack: TestStack;
  let store: SpilloverStore;
  beforeEach(async () => {
    stack = await freshStack();
    store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
  });

  it('parks the event in DynamoDB and answers 202; the sweeper moves it to its queue and deletes it', async () => {
    const outcomes: Outcome[] = [];
    const raw = chatwootJson(handledPayload('message_created'));
    const delivery = randomUUID();
    const response = await handleWebhook(
      webhookRequest(raw, { headers: { 'x-chatwoot-delivery': delivery } }),
      depsFor(stack, {
        sendMessage: deadSqs,
        sqsRetryBudget: fastBudget,
        recordOutcome: (o) => outcomes.push(o),
      }),
    );
    expect(response.statusCode).toBe(202);
    expect(parseBody(response)).toEqual({
      status: 'accepted',
      id: delivery,
      event: 'message_created',
      spilled: true,
    });
    expect(outcomes).toEqual([{ outcome: 'accepted', event: 'message_created', spilled: true }]);

    const [record, ...others] = await allSpilled(store);
    expect(others).toHaveLength(0);
    expect(record).toMatchObject({
      route: 'message-created',
      eventId: delivery,
      receivedAt: NOW.toISOString(),
    });
    for (const route of routeNames) expect(await drainQueue(stack, route)).toHaveLength(0);

    const result = await sweepSpillover({
      store,
      sendMessage: sqsSendMessage(stack.sqs),
      queueUrlPrefix: stack.queueUrlPrefix,
    });
    expect(result).toEqual({ moved: 1, failed: 0, incomplete: 0 });
    const [message, ...more] = await drainQueue(stack, 'message-created');
    expect(more).toHaveLength(0);
    const envelope = decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {});
    expect(envelope).toMatchObject({
      eventId: delivery,
      event: 'message_created',
      source: 'acme',
      receivedAt: NOW.toISOString(),
      senderTimestamp: NOW.toISOString(),
      accountId: 1,
      rawBody: raw,
    });
    expect(await scanTable(stack)).toEqual([]);
  });

  it('keeps large bodies compressed, cut into parts when over one item, and sweeps them byte-exact', async () => {
    const large = chatwootJson(largeMessagePayload());
    // Incompressible: its gzip exceeds one item's room, so it is stored in parts.
    const noisy = JSON.stringify({ event: 'acme_export', blob: randomBytes(640_000).toString('base64') });
    for (const raw of [large, noisy]) {
      const response = await handleWebhook(
        webhookRequest(raw),
        depsFor(stack, { sendMessage: deadSqs, sqsRetryBudget: fastBudget }),
      );
      expect(parseBody(response)).toMatchObject({ spilled: true });
    }
    const records = await allSpilled(store);
    expect(records.map((r) => r.parts).sort()).toEqual([1, 3]);
    const items = await scanTable(stack);
    expect(items).toHaveLength(4);
    // Stored as gzip bytes, not text: the 450 KB body takes far less room.
    const head = items.find((item) => item.route?.S === 'message-created');
    expect(head?.body?.B?.length).toBeLessThan(large.length / 4);

    const result = await sweepSpillover({
      store,
      sendMessage: sqsSendMessage(stack.sqs),
      queueUrlPrefix: stack.queueUrlPrefix,
    });
    expect(result).toEqual({ moved: 2, failed: 0, incomplete: 0 });
    const [created] = await drainQueue(stack, 'message-created');
    const [archived] = await drainQueue(stack, 'archive');
    expect(decodeEnvelope(created?.Body ?? '', created?.MessageAttributes ?? {}).rawBody).toBe(large);
    expect(decodeEnvelope(archived?.Body ?? '', archived?.MessageAttributes ?? {}).rawBody).toBe(noisy);
    expect(await scanTable(stack)).toEqual([]);
  });

  it('a sweep that cannot reach SQS keeps every record for the next run', async () => {
    await handleWebhook(
      webhookRequest(chatwootJson(unknownPayload())),
      depsFor(stack, { sendMessage: deadSqs, sqsRetryBudget: fastBudget }),
    );
    const failed = await sweepSpillover({
      store,
      sendMessage: deadSqs,
      queueUrlPrefix: stack.queueUrlPrefix,
      retryBudget: fastBudget,
    });
    expect(failed).toEqual({ moved: 0, failed: 1, incomplete: 0 });
    expect(await allSpilled(store)).toHaveLength(1);
    const moved = await sweepSpillover({
      store,
      sendMessage: sqsSendMessage(stack.sqs),
      queueUrlPrefix: stack.queueUrlPrefix,
    });
    expect(moved.moved).toBe(1);
    expect(await drainQueue(stack, 'archive')).toHaveLength(1);
  });

  it('a repeated put of the same record does not double-write', async () => {
    const message = encodeEnvelope({
      eventId: 'evt-1',
      event: 'contact_created',
      source: 'acme',
      receivedAt: NOW.toISOString(),
      senderTimestamp: null,
      accountId: 1,
      rawBody: '{"event":"contact_created","id":1}',
    });
    const record = {
      route: 'contact-created' as const,
      eventId: 'evt-1',
      receivedAt: NOW.toISOString(),
      message,
    };
    expect(await putSpillover(store, record)).toBe('stored');
    expect(await putSpillover(store, record)).toBe('duplicate');
    expect(await scanTable(stack)).toHaveLength(1);
    expect(spilloverShard('evt-1')).toBeLessThan(SPILLOVER_SHARDS);
  });
});

describe('SQS and the spillover both unreachable', () => {
  it('answers 503 with Retry-After and stores nothing anywhere', async () => {
    const stack = await freshStack();
    const deadStore = { dynamodb: localDynamoDbClient(CLOSED), tableName: stack.tableName };
    const outcomes: Outcome[] = [];
    const response = await handleWebhook(
      webhookRequest(chatwootJson(largeMessagePayload())),
      depsFor(stack, {
        sendMessage: deadSqs,
        sqsRetryBudget: fastBudget,
        putSpillover: (record, signal) => putSpillover(deadStore, record, signal),
        spilloverTimeoutMs: 500,
        recordOutcome: (o) => outcomes.push(o),
      }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^[0-9]+$/);
    expect(response.headers['content-type']).toBe('application/json');
    expect(parseBody(response)).toMatchObject({ status: 'unavailable', error: { code: 'unavailable' } });
    expect(outcomes).toEqual([{ outcome: 'unavailable', event: 'message_created', spilled: false }]);
    expect(await scanTable(stack)).toEqual([]);
    for (const route of routeNames) expect(await drainQueue(stack, route)).toHaveLength(0);
  });
});
