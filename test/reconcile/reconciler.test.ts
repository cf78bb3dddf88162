import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { story as fixture } from '#fixtures/payloads.ts';
import { conversationStory } from '#fixtures/worker-story.ts';
import { runReconciler } from '#functions/reconciler/run.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import { ApiToken } from '#lib/reconcile/api-config.ts';
import { getMessage } from '#lib/store/message.ts';
import { getWatermark, watermarkWrite } from '#lib/store/watermark.ts';
import { executeWrites } from '#lib/store/write.ts';
import {
  apiStateAfter,
  type ChatwootApiDouble,
  type Json,
  startChatwootApiDouble,
} from '#test/doubles/chatwoot-api.ts';
import { freshStack } from '#test/support/stack.ts';
import { deliverAll, freshTable, iso, workersFor } from '#test/workers/support.ts';
import { API_ENTITIES, API_GAPS, lostFields, stateOf } from './support.ts';

/**
 * Issue 12, done-when: a webhook deliberately dropped is repaired by the next reconciler run, and
 * the `Repaired` metric counts it. The run goes through functions/reconciler/run.ts (what the
 * handler runs) against the Chatwoot API double over HTTP, on DynamoDB Local.
 */

/** message_created of message 1006 ("Still nothing!"). */
const DROPPED = 'story-17';

describe('the scheduled reconciler', () => {
  let dynamodb: DynamoDBClient;
  let double: ChatwootApiDouble;
  let story: Envelope[];

  beforeAll(async () => {
    ({ dynamodb } = await freshStack());
    story = conversationStory();
    double = await startChatwootApiDouble(
      apiStateAfter(
        1,
        story.map((e) => JSON.parse(e.rawBody) as Json),
      ),
    );
  });
  afterAll(() => double?.close());

  it('repairs a dropped webhook, counts it in Repaired, and finds nothing the second time', async () => {
    const dropped = story.find((e) => e.eventId === DROPPED)!;
    expect(JSON.parse(dropped.rawBody)).toMatchObject({ event: 'message_created', id: 1006 });
    const all = await freshTable(dynamodb);
    await deliverAll(workersFor(dynamodb, all), story);
    const table = await freshTable(dynamodb);
    const store = { dynamodb, tableName: table };
    await deliverAll(
      workersFor(dynamodb, table),
      story.filter((e) => e !== dropped),
    );
    expect(await getMessage(store, { accountId: 1, conversationId: 7, messageId: 1006 })).toBeNull();
    // The last run compared everything up to a minute before the story began.
    await executeWrites(store, [watermarkWrite(1, iso(fixture.t0 - 60))]);
    const now = (fixture.t0 + 3600) * 1000;
    const metrics: [string, number, string][] = [];
    const run = () =>
      runReconciler({
        store,
        apis: async () =>
          new Map([['acme', { url: double.url, token: new ApiToken(double.token), accountId: 1 }]]),
        fetch: (input, init) => fetch(input, init),
        emit: (name, value, source) => metrics.push([name, value, source]),
        remainingMs: () => 60_000,
        now: () => now,
      });

    const first = await run();

    expect(first[0]!.summary.repaired).toBe(1);
    expect(metrics).toContainEqual(['Repaired', 1, 'acme']);
    expect(await getMessage(store, { accountId: 1, conversationId: 7, messageId: 1006 })).toMatchObject({
      content: 'Still nothing!',
      message_type: 'incoming',
    });
    const expected = await stateOf(dynamodb, all, API_ENTITIES);
    expect(lostFields(expected, await stateOf(dynamodb, table, API_ENTITIES), API_GAPS)).toEqual([]);
    expect(await getWatermark(store, 1)).toBe(new Date(now).toISOString());

    // The second run sees the conversation unchanged: no message is fetched, nothing repaired.
    double.requests.length = 0;
    metrics.length = 0;
    const second = await run();
    expect(second[0]!.summary).toMatchObject({ repaired: 0, conversations: 0 });
    expect(metrics).toContainEqual(['Repaired', 0, 'acme']);
    expect(double.requests.filter((r) => r.includes('/messages'))).toEqual([]);
  });

  it('repairs a lost conversation update (the newest state), not only a lost message', async () => {
    const table = await freshTable(dynamodb);
    const store = { dynamodb, tableName: table };
    // Drop the last webhooks: the template message 1007 and its snapshot, and the last contact_updated.
    await deliverAll(workersFor(dynamodb, table), story.slice(0, -2));
    await executeWrites(store, [watermarkWrite(1, iso(fixture.t0 - 60))]);
    const metrics: [string, number, string][] = [];
    const runs = await runReconciler({
      store,
      apis: async () =>
        new Map([['acme', { url: double.url, token: new ApiToken(double.token), accountId: 1 }]]),
      fetch: (input, init) => fetch(input, init),
      emit: (name, value, source) => metrics.push([name, value, source]),
      remainingMs: () => 60_000,
      now: () => (fixture.t0 + 3600) * 1000,
    });
    // The conversation's newer state and message 1007.
    expect(runs[0]!.summary.repaired).toBe(2);
    expect(metrics).toContainEqual(['Repaired', 2, 'acme']);
    expect(await getMessage(store, { accountId: 1, conversationId: 7, messageId: 1007 })).toMatchObject({
      content: 'We will get back to you tomorrow.',
      message_type: 'template',
    });
  });
});
