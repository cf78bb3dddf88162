import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { conversationStory, storyExpectations as x } from '#fixtures/worker-story.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import { getContact } from '#lib/store/contact.ts';
import {
  getConversation,
  listContactConversations,
  listInboxConversations,
} from '#lib/store/conversation.ts';
import { listMessages } from '#lib/store/message.ts';
import { listRawEvents } from '#lib/store/raw-event.ts';
import { listConversationChanges, listStatusHistory } from '#lib/store/status-history.ts';
import { listWidgetVisits } from '#lib/store/widget-visit.ts';
import { freshStack } from '#test/support/stack.ts';
import { deliverAll, freshTable, scanTable, workersFor } from './support.ts';

/** mulberry32: a tiny seeded PRNG, so a failing permutation can be replayed from its seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** A random arrival order of the story, with some events delivered two or three times. */
const shuffledWithDuplicates = (events: Envelope[], seed: number): Envelope[] => {
  const random = prng(seed);
  const out = [...events];
  for (const event of events) if (random() < 0.3) out.push(event);
  for (const event of events) if (random() < 0.05) out.push(event);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('the three invariants, on the scripted story (24 events)', () => {
  let dynamodb: DynamoDBClient;
  let inOrder: Record<string, unknown>[];
  const story = conversationStory();

  beforeAll(async () => {
    ({ dynamodb } = await freshStack());
    const tableName = await freshTable(dynamodb);
    await deliverAll(workersFor(dynamodb, tableName), story);
    inOrder = await scanTable(dynamodb, tableName);
  });

  it('the in-order run ends in the state the sender saw', async () => {
    // The baseline the permutations are compared with must itself be right.
    const tableName = await freshTable(dynamodb);
    const deps = { dynamodb, tableName };
    await deliverAll(workersFor(dynamodb, tableName), story);
    const ids = { accountId: x.accountId, conversationId: x.conversationId };
    expect(await getConversation(deps, ids)).toMatchObject({
      account_id: 1,
      id: 7,
      inbox_id: 1,
      contact_id: 42,
      status: 'snoozed',
      assignee_id: 3,
      team_id: 2,
      labels: x.labels,
      priority: 'high',
      custom_attributes: { order_id: '1234' },
    });
    const messages = await listMessages(deps, ids);
    expect(messages.map((m) => m.id)).toEqual(x.messageIds);
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.get(1002)?.attachments).toHaveLength(2);
    expect(byId.get(1003)).toMatchObject({
      content: 'Sorry for the delay! Checking now.',
      status: 'read',
      sender_type: 'user',
      sender_id: 3,
    });
    expect(byId.get(1004)).toMatchObject({ private: true, message_type: 'outgoing' });
    expect(byId.get(1005)).toMatchObject({
      deleted: true,
      content: 'This message was deleted',
      attachments: [],
    });
    expect(byId.get(1007)).toMatchObject({ message_type: 'template', sender_type: null });
    expect((await listStatusHistory(deps, ids)).map(({ from, to }) => ({ from, to }))).toEqual(
      x.statusHistory,
    );
    expect(await listConversationChanges(deps, ids)).toHaveLength(6);
    expect(await listWidgetVisits(deps, { accountId: 1, contactId: 42 })).toHaveLength(x.widgetVisits);
    expect(await getContact(deps, { accountId: 1, contactId: 42 })).toMatchObject({
      name: 'Aiko Tanaka',
      identifier: '00123',
    });
    expect((await listContactConversations(deps, { accountId: 1, contactId: 42 })).map((c) => c.id)).toEqual([
      7,
    ]);
    expect(
      (await listInboxConversations(deps, { accountId: 1, inboxId: 1, status: 'snoozed' })).map((c) => c.id),
    ).toEqual([7]);
    expect(await listInboxConversations(deps, { accountId: 1, inboxId: 1, status: 'open' })).toEqual([]);
    expect(await listRawEvents(deps, { accountId: 1, limit: 100 })).toHaveLength(story.length);
  });

  it('idempotent: every event processed a second time leaves the state it left the first time', async () => {
    const tableName = await freshTable(dynamodb);
    const worker = workersFor(dynamodb, tableName);
    for (const event of story) {
      await deliverAll(worker, [event]);
      const once = await scanTable(dynamodb, tableName);
      await deliverAll(worker, [event, event]);
      expect(
        await scanTable(dynamodb, tableName),
        `after a duplicate of ${event.eventId} (${event.event})`,
      ).toEqual(once);
    }
    expect(await scanTable(dynamodb, tableName)).toEqual(inOrder);
  });

  it('convergent: 50 random arrival orders with duplicates reach exactly the in-order state', async () => {
    const seeds = Array.from({ length: 50 }, (_, i) => 1000 + i);
    const runOne = async (seed: number): Promise<void> => {
      const tableName = await freshTable(dynamodb);
      await deliverAll(workersFor(dynamodb, tableName), shuffledWithDuplicates(story, seed));
      const state = await scanTable(dynamodb, tableName);
      expect(state, `permutation seed ${seed}`).toEqual(inOrder);
    };
    // Latency-bound, not throughput-bound: ten orders at a time.
    for (let i = 0; i < seeds.length; i += 10) await Promise.all(seeds.slice(i, i + 10).map(runOne));
  }, 120_000);

  it('exactly-once facts: messages, status changes, change records, visits and raw events are counted once', () => {
    const count = (prefix: string) => inOrder.filter((item) => String(item.sk).startsWith(prefix)).length;
    expect(count('M#')).toBe(x.messageIds.length);
    expect(count('SH#')).toBe(x.statusHistory.length);
    expect(count('CH#')).toBe(6);
    expect(count('WV#')).toBe(x.widgetVisits);
    expect(count('EVENT')).toBe(story.length);
    expect(inOrder.filter((item) => item.entity === 'conversation')).toHaveLength(1);
  });
});
