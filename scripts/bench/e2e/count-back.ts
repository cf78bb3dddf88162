import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { story } from '#fixtures/payloads.ts';
import { listMessages } from '#lib/store/message.ts';
import { getRawEvent } from '#lib/store/raw-event.ts';
import type { BenchContext } from './context.ts';
import { type Delivery, runConcurrently } from './deliveries.ts';

/** Reading the table back: its item count, and every measured event accounted for. */

export const countItems = async ({ stack }: BenchContext): Promise<number> => {
  let total = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await stack.dynamodb.send(
      new ScanCommand({ TableName: stack.tableName, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    total += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return total;
};

/** Each event id has its raw archive record (none lost); the conversation holds each message sent once. */
export const countBack = async ({ stack, concurrency }: BenchContext, measured: Delivery[]) => {
  const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
  let lost = 0;
  await runConcurrently(measured.length, concurrency, async (index) => {
    if ((await getRawEvent(store, { eventId: measured[index]!.eventId })) === null) lost++;
  });
  const sentMessageIds = new Set(measured.flatMap((d) => (d.messageId === undefined ? [] : [d.messageId])));
  const stored = (
    await listMessages(store, { accountId: story.accountId, conversationId: story.conversationId })
  )
    .map((message) => (message as unknown as { id: number }).id)
    .filter((id) => sentMessageIds.has(id));
  const storedSet = new Set(stored);
  return {
    lost,
    duplicatedMessages: stored.length - storedSet.size,
    missingMessages: [...sentMessageIds].filter((id) => !storedSet.has(id)).length,
  };
};
