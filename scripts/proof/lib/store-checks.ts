import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { keys } from '#contracts/table.ts';
import { listMessages } from '#lib/store/message.ts';
import { getRawEvent, type RawOutcome } from '#lib/store/raw-event.ts';
import { SPILLOVER_SHARDS, spilloverPartition } from '#lib/store/spillover.ts';
import { listStatusHistory } from '#lib/store/status-history.ts';
import type { ChildStack } from './child-stack.ts';
import { runConcurrently, sleep } from './http.ts';

/** What the suites read back from the emulators over their wire APIs, after (or while) draining. */

type Stack = Pick<ChildStack, 'dynamodb' | 'sqs' | 'tableName' | 'queues'>;

const depthOf = async (stack: Stack, url: string): Promise<number> => {
  const response = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(response.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};

/** Messages on each main queue and each DLQ (visible + in flight). */
export const queueDepths = async (stack: Stack) => {
  const main: Record<string, number> = {};
  const dead: Record<string, number> = {};
  await Promise.all(
    stack.queues.map(async (queue) => {
      main[queue.route] = await depthOf(stack, queue.url);
      dead[queue.route] = await depthOf(stack, queue.deadLetterUrl);
    }),
  );
  const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  return { main, dead, mainTotal: sum(main), deadTotal: sum(dead) };
};

/** Spillover records still waiting for the sweeper (all shards). */
export const spilloverCount = async (stack: Stack): Promise<number> => {
  let total = 0;
  for (let shard = 0; shard < SPILLOVER_SHARDS; shard++) {
    let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await stack.dynamodb.send(
        new QueryCommand({
          TableName: stack.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': keys.partition },
          ExpressionAttributeValues: { ':pk': { S: spilloverPartition(shard) } },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
  return total;
};

/**
 * Waits until every main queue is empty (nothing visible, nothing in flight) and the spillover is
 * empty, three reads in a row. Resolves with the time it took, or `timedOut` with what is left.
 */
export const waitForDrain = async (
  stack: Stack,
  { timeoutMs, pollMs = 250 }: { timeoutMs: number; pollMs?: number },
): Promise<{ ms: number; timedOut: boolean; left: { queued: number; spilled: number } }> => {
  const started = performance.now();
  let quiet = 0;
  let left = { queued: -1, spilled: -1 };
  while (performance.now() - started < timeoutMs) {
    try {
      const [depths, spilled] = await Promise.all([queueDepths(stack), spilloverCount(stack)]);
      left = { queued: depths.mainTotal, spilled };
      quiet = depths.mainTotal === 0 && spilled === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return { ms: performance.now() - started, timedOut: false, left };
    } catch {
      quiet = 0; // an emulator that does not answer (paused, restarting) is not drained
    }
    await sleep(pollMs);
  }
  return { ms: performance.now() - started, timedOut: true, left };
};

/** The raw record's outcome of each event id (null: not stored). */
export const storedOutcomes = async (
  stack: Stack,
  eventIds: readonly string[],
  concurrency = 32,
): Promise<Map<string, RawOutcome | null>> => {
  const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
  const outcomes = new Map<string, RawOutcome | null>();
  const unique = [...new Set(eventIds)];
  await runConcurrently(unique.length, concurrency, async (index) => {
    const id = unique[index]!;
    const raw = await getRawEvent(store, { eventId: id });
    outcomes.set(id, raw === null ? null : raw.outcome);
  });
  return outcomes;
};

/** The message ids stored in a conversation, in the store's order (duplicates kept, if any). */
export const storedMessageIds = async (
  stack: Stack,
  accountId: number,
  conversationId: number,
): Promise<number[]> => {
  const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
  const messages = await listMessages(store, { accountId, conversationId });
  return messages.map((message) => (message as unknown as { id: number }).id);
};

export const storedStatusChanges = async (stack: Stack, accountId: number, conversationId: number) =>
  listStatusHistory({ dynamodb: stack.dynamodb, tableName: stack.tableName }, { accountId, conversationId });
