import { gunzipSync } from 'node:zlib';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { conversationPayload, messagePayload, type Payload, story } from '#fixtures/payloads.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import { logger } from '#lib/observability.ts';
import { getContact } from '#lib/store/contact.ts';
import { conversationKey, getConversation } from '#lib/store/conversation.ts';
import { getMessage, messageKey } from '#lib/store/message.ts';
import { getRawEvent, listQuarantinedEvents } from '#lib/store/raw-event.ts';
import { listConversationChanges } from '#lib/store/status-history.ts';
import { eventWorker } from '#lib/workers/workers.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { envelopeOf, freshTable, sqsEventOf, sqsRecordOf, workersFor } from './support.ts';

/**
 * Issue 7's hostile but correctly signed payloads, through the real workers on DynamoDB Local:
 * each ends stored (free-form bags byte for byte) or quarantined with a readable issue, never
 * retried into the DLQ.
 */

/** Fixture times are 2026-03-02: raw events must outlive DynamoDB Local's TTL sweep while the test reads them. */
const LONG_TTL_DAYS = 36_500;

/** An envelope of `payload` whose placeholder strings (`"@@name@@"`) are replaced by raw JSON text. */
const withRaw = (payload: Payload, eventId: string, raw: Record<string, string>): Envelope => {
  const envelope = envelopeOf(payload, { eventId });
  let rawBody = envelope.rawBody;
  for (const [name, text] of Object.entries(raw)) {
    expect(rawBody).toContain(`"@@${name}@@"`);
    rawBody = rawBody.replaceAll(`"@@${name}@@"`, () => text); // a function: a string would expand `$&`, `$'`
  }
  return { ...envelope, rawBody };
};

const storedText = async (
  dynamodb: DynamoDBClient,
  tableName: string,
  key: { pk: string; sk: string },
  attribute: string,
): Promise<string> => {
  const response = await dynamodb.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
  );
  const value = unmarshall(response.Item ?? {})[attribute];
  return value instanceof Uint8Array ? gunzipSync(value).toString('utf8') : (value as string);
};

describe('hostile payloads in the workers', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stores big numbers, __proto__ keys and deep nesting in free-form bags byte for byte', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const worker = workersFor(stack.dynamodb, tableName, LONG_TTL_DAYS)('message-created');
    const cases = [
      '{"id":18446744073709551616,"big":1e308,"neg":-1e400}',
      '{"nested":{"__proto__":null}}',
      '{"nested":{"__proto__":[]},"b":{"__proto__":"x"},"c":{"__proto__":{"deleted":true}}}',
      '{"__proto__":{"deleted":true},"constructor":{"prototype":{"x":1}}}',
      `{"deep":${'['.repeat(1000)}${']'.repeat(1000)}}`,
      `{"deep":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      '{"text":"\\ud800 \\u0000 😀 \\u202eשלום","empty":""}',
    ];
    for (const [n, text] of cases.entries()) {
      const id = 5000 + n;
      const envelope = withRaw(messagePayload({ id, contentAttributes: '@@A@@' as never }), `hostile-${n}`, {
        A: text,
      });
      const response = await worker(sqsEventOf([sqsRecordOf(envelope)]));
      expect(response.batchItemFailures).toEqual([]);
      const raw = await getRawEvent(deps, { eventId: envelope.eventId });
      expect(raw?.outcome).toBe('handled');
      const message = await getMessage(deps, { accountId: 1, conversationId: 7, messageId: id });
      expect(message).not.toBeNull();
      expect(await storedText(stack.dynamodb, tableName, messageKey(1, 7, id), 'content_attributes')).toBe(
        text,
      );
      if (n === 0) expect(JSON.stringify(message?.content_attributes)).toBe(text);
      if (n === 3) {
        expect(Object.keys(message?.content_attributes ?? {})).toEqual(['__proto__', 'constructor']);
        expect(message?.deleted).toBe(false);
      }
    }
  });

  it('keeps conversation and contact bags and changed_attributes values exact', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const worker = workersFor(stack.dynamodb, tableName, LONG_TTL_DAYS)('conversation-updated');
    const payload = conversationPayload({
      event: 'conversation_updated',
      status: 'resolved',
      overrides: { custom_attributes: '@@C@@', changed_attributes: '@@CH@@' },
    });
    const custom = '{"order":18446744073709551617,"__proto__":{"x":[]}}';
    const changes =
      '[{"status":{"previous_value":"open","current_value":"resolved"}},{"priority":{"previous_value":1e400,"current_value":{"__proto__":null}}}]';
    const envelope = withRaw(payload, 'conv-hostile', { C: custom, CH: changes });
    const response = await worker(sqsEventOf([sqsRecordOf(envelope)]));
    expect(response.batchItemFailures).toEqual([]);
    expect((await getRawEvent(deps, { eventId: 'conv-hostile' }))?.outcome).toBe('handled');
    const conversation = await getConversation(deps, { accountId: 1, conversationId: 7 });
    expect(JSON.stringify(conversation?.custom_attributes)).toBe(custom);
    expect(await storedText(stack.dynamodb, tableName, conversationKey(1, 7), 'custom_attributes')).toBe(
      custom,
    );
    const [change] = await listConversationChanges(deps, { accountId: 1, conversationId: 7 });
    expect(JSON.stringify(change?.changes)).toBe(
      '[{"attribute":"status","previous_value":"open","current_value":"resolved"},{"attribute":"priority","previous_value":1e400,"current_value":{"__proto__":null}}]',
    );
    expect(await getContact(deps, { accountId: 1, contactId: 42 })).not.toBeNull();
  });

  it('quarantines an unrepresentable id with a readable issue, acknowledged', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const worker = workersFor(stack.dynamodb, tableName, LONG_TTL_DAYS)('message-created');
    const records = ['18446744073709551616', '1e308', '1.5', '9007199254740992'].map((id, n) =>
      sqsRecordOf(withRaw(messagePayload({ overrides: { id: '@@ID@@' } }), `bad-id-${n}`, { ID: id })),
    );
    const response = await worker(sqsEventOf(records));
    expect(response.batchItemFailures).toEqual([]);
    const quarantined = await listQuarantinedEvents(deps, { accountId: 1 });
    expect(quarantined.map((e) => e.event_id).sort()).toEqual([
      'bad-id-0',
      'bad-id-1',
      'bad-id-2',
      'bad-id-3',
    ]);
    const issues = JSON.parse((await getRawEvent(deps, { eventId: 'bad-id-0' }))?.issues ?? '[]');
    expect(issues).toContainEqual(
      expect.objectContaining({ path: 'id', message: expect.stringMatching(/safe integer/) }),
    );
  });

  it('quarantines a record DynamoDB refuses (ValidationException) with its error, replacing the handled item', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const errors = vi.spyOn(logger, 'error');
    const worker = workersFor(stack.dynamodb, tableName, LONG_TTL_DAYS)('message-created');
    // A sender name of 450 KB: the user item exceeds DynamoDB's 400 KB, every time.
    const envelope = envelopeOf(messagePayload(), { eventId: 'too-big-name' });
    const rawBody = envelope.rawBody.replaceAll(`"${story.contactName}"`, `"${'n'.repeat(450_000)}"`);
    expect(rawBody.length).toBeGreaterThan(450_000);
    const response = await worker(sqsEventOf([sqsRecordOf({ ...envelope, rawBody })]));
    expect(response.batchItemFailures).toEqual([]);
    const raw = await getRawEvent(deps, { eventId: 'too-big-name' });
    expect(raw?.outcome).toBe('quarantined');
    expect(raw?.body).toBe(rawBody);
    expect(raw?.issues).toMatch(/ValidationException/);
    expect((await listQuarantinedEvents(deps, { accountId: 1 })).map((e) => e.event_id)).toEqual([
      'too-big-name',
    ]);
    const line = errors.mock.calls.find(([message]) => String(message).includes('quarantined'));
    expect(line?.[1]).toMatchObject({
      correlation_id: 'too-big-name',
      error: { name: 'ValidationException' },
    });
    expect((line?.[1] as { error?: { stack?: string } } | undefined)?.error?.stack).toMatch(
      /ValidationException/,
    );
  });

  const fakeClient = (error: Error, failFirst = Number.POSITIVE_INFINITY) => {
    let calls = 0;
    return {
      send: async (command: unknown) => {
        calls += 1;
        if (calls <= failFirst) throw error;
        return stack.dynamodb.send(command as never);
      },
    } as unknown as DynamoDBClient;
  };

  it('retries transient failures (fake client: throttling, 5xx, network) and quarantines a RangeError', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const serverError = Object.assign(new Error('boom'), {
      name: 'SomethingNew',
      $metadata: { httpStatusCode: 503 },
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (const error of [throttled, serverError, refused]) {
      const worker = eventWorker('message_created', {
        dynamodb: fakeClient(error),
        tableName,
        rawArchiveTtlDays: LONG_TTL_DAYS,
      });
      const record = sqsRecordOf(envelopeOf(messagePayload(), { eventId: `transient-${error.message}` }));
      expect((await worker(sqsEventOf([record]))).batchItemFailures).toEqual([
        { itemIdentifier: record.messageId },
      ]);
    }
    // A RangeError on the first write only (fake): the quarantine write goes through to DynamoDB Local.
    const errors = vi.spyOn(logger, 'error');
    const worker = eventWorker('message_created', {
      dynamodb: fakeClient(new RangeError('Maximum call stack size exceeded'), 6),
      tableName,
      rawArchiveTtlDays: LONG_TTL_DAYS,
    });
    const response = await worker(
      sqsEventOf([sqsRecordOf(envelopeOf(messagePayload(), { eventId: 'range' }))]),
    );
    expect(response.batchItemFailures).toEqual([]);
    const raw = await getRawEvent(deps, { eventId: 'range' });
    expect(raw?.outcome).toBe('quarantined');
    expect(raw?.issues).toMatch(/RangeError: Maximum call stack size exceeded/);
    expect(errors.mock.calls[0]?.[1]).toMatchObject({
      correlation_id: 'range',
      error: { name: 'RangeError', stack: expect.stringContaining('RangeError') },
    });
  });

  it('a record that cannot be quarantined either fails and is retried', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const worker = eventWorker('message_created', {
      dynamodb: fakeClient(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' })),
      tableName,
      rawArchiveTtlDays: LONG_TTL_DAYS,
    });
    const record = sqsRecordOf(envelopeOf(messagePayload(), { eventId: 'no-table' }));
    expect((await worker(sqsEventOf([record]))).batchItemFailures).toEqual([
      { itemIdentifier: record.messageId },
    ]);
  });
});
