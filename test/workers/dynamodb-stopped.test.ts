import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableName as tableNameOf } from '#contracts/naming.ts';
import { messagePayload, story } from '#fixtures/payloads.ts';
import { localDynamoDbClient } from '#infra/local/clients.ts';
import { freePort, type RunningEmulator, startDynamoDbLocal } from '#infra/local/emulators.ts';
import { provisionTable } from '#infra/local/provision.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import { getMessage } from '#lib/store/message.ts';
import { getRawEvent } from '#lib/store/raw-event.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { envelopeOf, scanTable, sqsEventOf, sqsRecordOf, workersFor } from './support.ts';

/**
 * Issue 3, failure test: DynamoDB itself goes away in the middle of a batch. A separate DynamoDB
 * Local with its data on disk is killed after half of the batch's writes have landed; the records
 * that were not (fully) stored must be reported as batch item failures, and only those. After a
 * restart on the same port and data, redelivering exactly those records (as Lambda would) must
 * complete them, reaching the same table state as a clean run of the batch.
 */

const t0 = story.t0;
const conversation = { accountId: story.accountId, conversationId: story.conversationId };
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand']);

/** Ten message_created events of one conversation: incoming and outgoing, attachments, a private note. */
const batchEnvelopes = (): Envelope[] =>
  Array.from({ length: 10 }, (_, n) =>
    envelopeOf(
      messagePayload({
        id: 6001 + n,
        at: t0 + n,
        content: `message ${n + 1}`,
        messageType: n % 3 === 1 ? 'outgoing' : 'incoming',
        attachments: n === 2 ? 2 : 0,
        private: n === 5,
      }),
      { eventId: `stop-${String(n + 1).padStart(2, '0')}`, sentAt: t0 + n },
    ),
  );

/**
 * Counts the Put/Update calls that landed. `before` runs ahead of each write call, `after` once it
 * landed (before the caller sees its result). At the `initialize` step: once per call, around the retries.
 */
const countWrites = (
  client: DynamoDBClient,
  hooks: { before?: () => Promise<void>; after?: (landed: number) => Promise<void> } = {},
): { landed: number } => {
  const counter = { landed: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!WRITE_COMMANDS.has(context.commandName ?? '')) return next(args);
      await hooks.before?.();
      const result = await next(args);
      counter.landed += 1;
      await hooks.after?.(counter.landed);
      return result;
    },
    { step: 'initialize', name: 'countWrites' },
  );
  return counter;
};

describe('DynamoDB Local stopped mid-batch', () => {
  let shared: TestStack;
  let dataDir: string | undefined;
  let port: number;
  let emulator: RunningEmulator | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mhub-ddb-stopped-'));
    port = await freePort();
    [shared, emulator] = await Promise.all([freshStack(), startDynamoDbLocal({ port, dataDir })]);
  });

  afterAll(async () => {
    await emulator?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails exactly the records not stored, and their redelivery reaches the clean state', async () => {
    const envelopes = batchEnvelopes();
    const records = envelopes.map(sqsRecordOf);

    // Clean reference: the same batch on a fresh table of the shared emulator, counting its writes.
    const cleanClient = localDynamoDbClient(shared.dynamoEndpoint);
    const cleanCounter = countWrites(cleanClient);
    const clean = await workersFor(cleanClient, shared.tableName)('message-created')(sqsEventOf(records));
    expect(clean.batchItemFailures).toEqual([]);
    const totalWrites = cleanCounter.landed;
    expect(totalWrites).toBeGreaterThan(records.length);

    // The own, on-disk DynamoDB Local: killed once half of the batch's writes have landed.
    const tableName = tableNameOf(`stop${port}`);
    const running = emulator;
    const dir = dataDir;
    if (running === undefined || dir === undefined) throw new Error('DynamoDB Local did not start');
    const client = localDynamoDbClient(running.endpoint);
    await provisionTable(client, tableName);
    const stopAfter = Math.floor(totalWrites / 2);
    let stopping: Promise<void> | undefined;
    const counter = countWrites(client, {
      // Every write after the kill began waits for the process to be gone, then meets a dead port.
      before: async () => {
        await stopping;
      },
      after: async (landed) => {
        if (landed === stopAfter) stopping = running.stop();
        await stopping;
      },
    });
    const response = await workersFor(client, tableName)('message-created')(sqsEventOf(records));
    expect(stopping).toBeDefined();
    expect(counter.landed).toBeLessThan(totalWrites);

    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(records.length);
    // One conversation is one lane, processed in order: the records before the kill committed, all
    // the others failed; the reported failures are exactly that tail, each once.
    const firstFailed = records.length - failed.length;
    expect(failed).toEqual(records.slice(firstFailed).map((r) => r.messageId));

    // Same port, same data directory: what landed before the kill is still there.
    emulator = await startDynamoDbLocal({ port, dataDir: dir });
    const restarted = localDynamoDbClient(emulator.endpoint);
    const deps = { dynamodb: restarted, tableName };
    for (const [n, envelope] of envelopes.entries()) {
      const raw = await getRawEvent(deps, { eventId: envelope.eventId });
      const message = await getMessage(deps, { ...conversation, messageId: 6001 + n });
      if (n < firstFailed) {
        // Reported as success: its raw archive and its message are stored.
        expect(raw?.outcome, envelope.eventId).toBe('handled');
        expect(message?.content, envelope.eventId).toBe(`message ${n + 1}`);
      } else if (n > firstFailed) {
        // Sent after the kill: nothing of it reached the table.
        expect(raw, envelope.eventId).toBeNull();
        expect(message, envelope.eventId).toBeNull();
      }
      // The record the kill cut through (n === firstFailed) may be partly written: redelivery completes it.
    }
    expect(await scanTable(restarted, tableName)).not.toEqual(
      await scanTable(shared.dynamodb, shared.tableName),
    );

    // Lambda redelivers only the failed records.
    const redelivered: SQSRecord[] = records
      .filter((r) => failed.includes(r.messageId))
      .map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } }));
    const retry = await workersFor(restarted, tableName)('message-created')(sqsEventOf(redelivered));
    expect(retry.batchItemFailures).toEqual([]);

    expect(await scanTable(restarted, tableName)).toEqual(await scanTable(shared.dynamodb, shared.tableName));
  }, 60_000); // a DynamoDB Local restart inside: room for a loaded machine
});
