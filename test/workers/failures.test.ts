import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { conversationPayload, messagePayload, story, typingPayload } from '#fixtures/payloads.ts';
import { conversationStory } from '#fixtures/worker-story.ts';
import { LOCAL_REGION } from '#infra/local/clients.ts';
import { getConversation } from '#lib/store/conversation.ts';
import { getMessage, listMessages } from '#lib/store/message.ts';
import { getRawEvent, listQuarantinedEvents, listRawEvents } from '#lib/store/raw-event.ts';
import { eventWorker } from '#lib/workers/workers.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import {
  deliverAll,
  envelopeOf,
  freshTable,
  scanTable,
  sqsEventOf,
  sqsRecordOf,
  workersFor,
} from './support.ts';

const t0 = story.t0;

describe('worker failure paths', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });

  it('a poison record forged into the queue fails alone; its batch-mates commit', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const worker = workersFor(stack.dynamodb, tableName)('message-created');
    const good1 = sqsRecordOf(envelopeOf(messagePayload({ id: 2001 }), { eventId: 'good-1' }));
    const good2 = sqsRecordOf(envelopeOf(messagePayload({ id: 2002 }), { eventId: 'good-2' }));
    const poison = {
      ...sqsRecordOf(envelopeOf(messagePayload({ id: 2003 }))),
      messageId: 'poison',
      messageAttributes: {},
    };
    const response = await worker(sqsEventOf([good1, poison, good2]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison' }]);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const ids = (await listMessages(deps, { accountId: 1, conversationId: 7 })).map((m) => m.id);
    expect(ids).toEqual([2001, 2002]);
  });

  it('a body that is not JSON, or a payload that misfits, is quarantined with its issues and acknowledged', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const worker = workersFor(stack.dynamodb, tableName)('message-created');
    const notJson = {
      ...envelopeOf(messagePayload(), { eventId: 'not-json' }),
      rawBody: '{"event":"message_created",',
    };
    const misfit = envelopeOf(messagePayload({ overrides: { id: 'not-a-number' } }), { eventId: 'misfit' });
    const response = await worker(sqsEventOf([sqsRecordOf(notJson), sqsRecordOf(misfit)]));
    expect(response.batchItemFailures).toEqual([]);
    const quarantined = await listQuarantinedEvents(deps, { accountId: 1 });
    expect(quarantined.map((e) => e.event_id).sort()).toEqual(['misfit', 'not-json']);
    const stored = await getRawEvent(deps, { eventId: 'misfit' });
    expect(stored?.outcome).toBe('quarantined');
    expect(JSON.parse(stored?.issues ?? '[]')[0].path).toBe('id');
    expect(stored?.body).toBe(misfit.rawBody);
    expect((await getRawEvent(deps, { eventId: 'not-json' }))?.issues).toContain('not valid JSON');
    expect(await listMessages(deps, { accountId: 1, conversationId: 7 })).toEqual([]);
  });

  it('the archive and quarantine routes store events raw', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const workers = workersFor(stack.dynamodb, tableName);
    const typing = envelopeOf(typingPayload(), { eventId: 'typing-1' });
    const misfit = {
      ...envelopeOf(messagePayload(), { eventId: 'q-1' }),
      validationIssues: '[{"path":"id","message":"x"}]',
    };
    expect((await workers('archive')(sqsEventOf([sqsRecordOf(typing)]))).batchItemFailures).toEqual([]);
    expect((await workers('quarantine')(sqsEventOf([sqsRecordOf(misfit)]))).batchItemFailures).toEqual([]);
    expect(await getRawEvent(deps, { eventId: 'typing-1' })).toMatchObject({
      outcome: 'archived',
      body: typing.rawBody,
    });
    expect(await getRawEvent(deps, { eventId: 'q-1' })).toMatchObject({
      outcome: 'quarantined',
      issues: misfit.validationIssues,
    });
    expect((await listRawEvents(deps, { accountId: 1 })).map((e) => e.event_id).sort()).toEqual([
      'q-1',
      'typing-1',
    ]);
  });

  it('DynamoDB unreachable: every record fails, and succeeds on redelivery', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const dead = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const envelopes = [1, 2, 3].map((n) =>
      envelopeOf(messagePayload({ id: 3000 + n, at: t0 + n }), { eventId: `down-${n}` }),
    );
    const records = envelopes.map(sqsRecordOf);
    const down = eventWorker('message_created', { dynamodb: dead, tableName, rawArchiveTtlDays: 30 });
    const failed = await down(sqsEventOf(records));
    expect(failed.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    const up = workersFor(stack.dynamodb, tableName)('message-created');
    expect((await up(sqsEventOf(records))).batchItemFailures).toEqual([]);
    const ids = (
      await listMessages({ dynamodb: stack.dynamodb, tableName }, { accountId: 1, conversationId: 7 })
    ).map((m) => m.id);
    expect(ids).toEqual([3001, 3002, 3003]);
  });

  it('DynamoDB failing mid-record: that record fails alone, partly written, and its redelivery completes it exactly', async () => {
    const events = conversationStory();
    // Clean reference: the whole story on a healthy table.
    const clean = await freshTable(stack.dynamodb);
    await deliverAll(workersFor(stack.dynamodb, clean), events);
    // Flaky: a client whose write of the assignee (one of the record's several writes) dies as if the connection dropped.
    const flakyTable = await freshTable(stack.dynamodb);
    const flaky = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: LOCAL_REGION,
      // DynamoDB Local keeps tables per access key: the same one as the stack's client.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    let failing = false;
    flaky.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } } };
        if (failing && input.Item?.pk?.S === 'A#1#USER#3')
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        return next(args);
      },
      { step: 'initialize' },
    );
    const healthy = workersFor(stack.dynamodb, flakyTable);
    const flakyWorkers = workersFor(flaky, flakyTable);
    // Deliver the story up to the conversation_updated with an assignment (index 6) through the healthy path,
    const head = events.slice(0, 6);
    await deliverAll(healthy, head);
    // then that event together with a message batch-mate of another conversation through the flaky client.
    const target = events[6]!;
    const mate = envelopeOf(messagePayload({ id: 4001, overrides: { conversation: { id: 99 } } }), {
      eventId: 'mate',
    });
    failing = true;
    const response = await flakyWorkers('conversation-updated')(
      sqsEventOf([sqsRecordOf(target), sqsRecordOf(mate)]),
    );
    const targetRecord = response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(targetRecord).toHaveLength(1);
    expect(targetRecord[0]).toContain(target.eventId);
    failing = false;
    // Partly written: the conversation moved on, the assignee did not.
    const partial = await scanTable(stack.dynamodb, flakyTable);
    expect(partial.find((item) => item.pk === 'A#1#USER#3')).toBeUndefined();
    expect(partial.find((item) => item.pk === 'A#1#C#7' && item.sk === 'CONV')).toMatchObject({
      assignee_id: 3,
    });
    await deliverAll(flakyWorkers, [target, ...events.slice(7)]);
    const state = (await scanTable(stack.dynamodb, flakyTable)).filter(
      (item) =>
        !String(item.pk).includes('#C#99') &&
        item.event_id !== 'mate' &&
        !String(item.pk).startsWith('EV#mate'),
    );
    expect(state).toEqual(await scanTable(stack.dynamodb, clean));
  });

  it('a stale update loses to a newer one already stored', async () => {
    const tableName = await freshTable(stack.dynamodb);
    const deps = { dynamodb: stack.dynamodb, tableName };
    const workers = workersFor(stack.dynamodb, tableName);
    const ids = { accountId: 1, conversationId: 7 };
    const newer = envelopeOf(
      conversationPayload({
        event: 'conversation_updated',
        status: 'resolved',
        labels: ['vip'],
        at: t0 + 20,
        messages: [],
      }),
      { sentAt: t0 + 20 },
    );
    const older = envelopeOf(
      conversationPayload({
        event: 'conversation_updated',
        status: 'open',
        labels: [],
        at: t0 + 5,
        messages: [],
      }),
      { sentAt: t0 + 5 },
    );
    await deliverAll(workers, [newer, older]);
    expect(await getConversation(deps, ids)).toMatchObject({ status: 'resolved', labels: ['vip'] });

    // An edit, then the older create: the edit stays. A delete, then an older edit: the delete stays.
    const message = { accountId: 1, conversationId: 7, messageId: 5001 };
    const edit = envelopeOf(
      messagePayload({
        event: 'message_updated',
        id: 5001,
        content: 'edited',
        at: t0 + 1,
        conversation: { at: t0 + 3 },
      }),
      { sentAt: t0 + 3 },
    );
    const create = envelopeOf(messagePayload({ id: 5001, content: 'original', at: t0 + 1 }), {
      sentAt: t0 + 1,
    });
    await deliverAll(workers, [edit, create]);
    expect(await getMessage(deps, message)).toMatchObject({ content: 'edited', deleted: false });
    const del = envelopeOf(
      messagePayload({
        event: 'message_updated',
        id: 5001,
        deleted: true,
        at: t0 + 1,
        conversation: { at: t0 + 4 },
      }),
      { sentAt: t0 + 4 },
    );
    const lateEdit = envelopeOf(
      messagePayload({
        event: 'message_updated',
        id: 5001,
        content: 'edited again',
        at: t0 + 1,
        conversation: { at: t0 + 6 },
      }),
      { sentAt: t0 + 6 },
    );
    await deliverAll(workers, [del, lateEdit, create]);
    expect(await getMessage(deps, message)).toMatchObject({
      content: 'This message was deleted',
      deleted: true,
      attachments: [],
    });
  });
});
