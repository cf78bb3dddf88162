import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueUrl } from '#contracts/naming.ts';
import { type HandledEventName, handledEventNames, type RouteName, routeOfEvent } from '#contracts/routes.ts';
import { chatwootJson, handledPayload, type Payload, story } from '#fixtures/payloads.ts';
import { handleWebhook } from '#lib/ingest/handle-webhook.ts';
import { freeFormKeys } from '#lib/schemas/exact-json.ts';
import { contactKey } from '#lib/store/contact.ts';
import { conversationKey } from '#lib/store/conversation.ts';
import { messageKey } from '#lib/store/message.ts';
import { getRawEvent } from '#lib/store/raw-event.ts';
import { depsFor, webhookRequest } from '#test/ingest/support.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { sqsEventOf, workersFor } from './support.ts';

/**
 * Issue 7's promise: every payload the ingest answers 202 for is stored or quarantined, never
 * thrown. Fixture payloads of every handled event get hostile values at random places (deep
 * nesting up to 100,000 levels, numbers beyond 2^53 and non-finite ones, `__proto__` /
 * `constructor` / `prototype` keys at every level, empty, multi-MB and odd Unicode strings), are
 * signed and sent through the real ingest (`handleWebhook` with its real checks, fauxqs), then the
 * message it queued goes through the real worker of that route on DynamoDB Local. The record must
 * be acknowledged and its raw event stored as handled, archived or quarantined.
 *
 * Seed: printed on every run; rerun one with `PROPERTY_SEED=<seed>`.
 */

const seed =
  process.env.PROPERTY_SEED === undefined ? Date.now() % 2_147_483_647 : Number(process.env.PROPERTY_SEED);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

/** Fixture times are 2026-03-02: raw events must outlive DynamoDB Local's TTL sweep while the test reads them. */
const LONG_TTL_DAYS = 36_500;

const deepArrays = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObjects = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

const bigNumber = fc.constantFrom(
  '18446744073709551616',
  '-18446744073709551616',
  '9007199254740993',
  '9007199254740992',
  '1e308',
  '-1e308',
  '1e400',
  '-1e400',
  '1e-400',
  '1.5',
  '-0',
  '123456789012345678901234567890.123456789',
);
const deep = fc
  .tuple(fc.constantFrom(31, 32, 33, 1000, 100_000), fc.boolean())
  .map(([n, arrays]) => (arrays ? deepArrays(n) : deepObjects(n)));
const protoObject = fc.constantFrom(
  '{"__proto__":null}',
  '{"__proto__":[]}',
  '{"__proto__":"x"}',
  '{"__proto__":{"deleted":true,"id":18446744073709551616}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"prototype":{},"__proto__":{"__proto__":{}}}',
);
const oddString = fc.constantFrom(
  '""',
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  '"😀👩‍👩‍👧"',
  '"\\u202e\\u0645\\u0631\\u062d\\u0628\\u0627"',
  '"שלום עולם"',
  '"\\uffff\\ufffe"',
);
/** Multi-MB but compressible, so it fits SQS gzipped (an incompressible one is a 413, not a 202). */
const hugeString = fc
  .constantFrom(1_500_000, 3_000_000)
  .map((bytes) => `"${'lorem ipsum 😀 '.repeat(Math.floor(bytes / 16))}"`);
/** ~600 KB that gzip cannot shrink much: a 202 whose raw body needs more than one item. */
const incompressibleString = fc.constant(null).map(() => `"${randomBytes(450_000).toString('base64')}"`);
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: bigNumber },
  { weight: 2, arbitrary: deep },
  { weight: 3, arbitrary: protoObject },
  { weight: 3, arbitrary: oddString },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: incompressibleString },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
);

type Node = Record<string, unknown> | unknown[];
type Slot = { parent: Node; key: string | number; value: unknown };

/** Every (parent, key) slot of a payload, iteratively. */
const slotsOf = (root: Payload): Slot[] => {
  const slots: Slot[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const entries: [string | number, unknown][] = Array.isArray(node)
      ? node.map((v, i) => [i, v])
      : Object.entries(node);
    for (const [key, value] of entries) {
      slots.push({ parent: node, key, value });
      if (typeof value === 'object' && value !== null) stack.push(value as Node);
    }
  }
  return slots;
};

const setOwn = (node: Node, key: string | number, value: unknown): void => {
  // defineProperty: `node.__proto__ = …` would set the prototype instead of adding a key.
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
};

const injection = fc.record({
  at: fc.nat(),
  mode: fc.constantFrom('replace', 'add-key', 'add-key', 'free-form', 'free-form'),
  key: fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'content_attributes',
    'custom_attributes',
    '',
  ),
  text: hostile,
});

/** A signed-ready body: a fixture with hostile raw JSON text spliced in at random places. */
const hostileBody = fc
  .record({
    event: fc.constantFrom(...handledEventNames),
    shape: fc.constantFrom('doc', 'real') as fc.Arbitrary<'doc' | 'real'>,
    injections: fc.array(injection, { minLength: 1, maxLength: 3 }),
    // One body in seven gets a top-level id beyond 2^53 (or a fraction, or non-finite).
    unsafeId: fc
      .tuple(
        fc.noBias(fc.nat({ max: 6 })),
        bigNumber.filter((n) => !Number.isSafeInteger(Number(n))),
      )
      .map(([k, id]) => (k === 0 ? id : null)),
  })
  .map(({ event, shape, injections, unsafeId }) => {
    const payload = handledPayload(event, { shape });
    const texts: string[] = [];
    const placeholder = (text: string): string => {
      texts.push(text);
      return `@@H${texts.length - 1}@@`;
    };
    for (const { at, mode, key, text } of injections) {
      const all = slotsOf(payload);
      // `free-form`: one of the body's attribute bags (content_attributes, custom_attributes, …).
      const bags = all.filter((slot) => typeof slot.key === 'string' && freeFormKeys.has(slot.key));
      const slots = mode === 'free-form' && bags.length > 0 ? bags : all;
      const slot = slots[at % slots.length]!;
      const target = typeof slot.value === 'object' && slot.value !== null ? (slot.value as Node) : null;
      if (mode === 'add-key' && target !== null && !Array.isArray(target))
        setOwn(target, key, placeholder(text));
      else if (slot.key !== 'event') setOwn(slot.parent, slot.key, placeholder(text));
    }
    if (unsafeId !== null) setOwn(payload, 'id', placeholder(unsafeId));
    let body = chatwootJson(payload);
    texts.forEach((text, n) => {
      // A function, not the text: a replacement string expands `$&`, `$'` and `` $` ``, which hostile
      // text contains, into pieces of the body around it (seed 885354945 spliced invalid JSON so).
      body = body.replaceAll(`"@@H${n}@@"`, () => text);
    });
    return {
      event,
      body,
      unsafeId,
      injections: injections.map((i) => `${i.mode}:${i.key}:${i.text.slice(0, 40)}`),
    };
  });

/** Receives (and deletes) the one message the ingest just queued on `route`, as Lambda hands it over. */
const takeMessage = async (stack: TestStack, route: RouteName): Promise<SQSRecord[]> => {
  const url = queueUrl(stack.queueUrlPrefix, route);
  const page = await stack.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
  );
  const records: SQSRecord[] = [];
  for (const m of page.Messages ?? []) {
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    records.push({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          { stringValue: value.StringValue, dataType: value.DataType ?? 'String' },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
      awsRegion: 'us-east-1',
    });
  }
  return records;
};

const routeOfAnswer = (status: string, event: HandledEventName): RouteName =>
  status === 'accepted' ? routeOfEvent(event) : status === 'quarantined' ? 'quarantine' : 'archive';

describe('every 202 is stored or quarantined (property, ingest → SQS → worker → DynamoDB Local)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });

  it('holds for hostile payloads of every handled event', async () => {
    console.log(
      `stored-or-quarantined property: seed ${seed}, ${RUNS} runs (PROPERTY_SEED=${seed} to rerun)`,
    );
    const deps = depsFor(stack);
    const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
    const worker = workersFor(stack.dynamodb, stack.tableName, LONG_TTL_DAYS);
    const counts: Record<string, number> = {};
    const count = (key: string): void => {
      counts[key] = (counts[key] ?? 0) + 1;
    };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileBody, async ({ event, body, unsafeId }) => {
        n += 1;
        const delivery = `prop-${seed}-${n}`;
        const response = await handleWebhook(
          webhookRequest(body, { headers: { 'x-chatwoot-delivery': delivery } }),
          deps,
        );
        expect(response.statusCode).toBeLessThan(500);
        const answer = JSON.parse(response.body) as { status: string };
        count(`ingest ${response.statusCode} ${answer.status}`);
        if (response.statusCode !== 202) {
          // Only a body too large for SQS even gzipped may be refused here.
          expect(response.statusCode).toBe(413);
          return;
        }
        // An id beyond 2^53 is a key misfit: quarantined at the ingest, never accepted.
        if (unsafeId !== null) expect(answer.status).toBe('quarantined');
        const records = await takeMessage(stack, routeOfAnswer(answer.status, event));
        expect(records).toHaveLength(1);
        const result = await worker(routeOfAnswer(answer.status, event))(sqsEventOf(records));
        expect(result.batchItemFailures).toEqual([]);
        const raw = await getRawEvent(store, { eventId: delivery });
        expect(raw?.outcome).toMatch(/^(handled|quarantined|archived)$/);
        if (answer.status === 'quarantined') expect(raw?.outcome).toBe('quarantined');
        // The raw body is kept exactly, however large (split over parts past one item).
        expect(raw?.body).toBe(body);
        count(`stored ${raw?.outcome}`);
      }),
      { seed, numRuns: RUNS, endOnFailure: true },
    );
    console.log('stored-or-quarantined property counts:', JSON.stringify(counts));
    expect(counts['stored handled'] ?? 0).toBeGreaterThan(0);
    expect(counts['stored quarantined'] ?? 0).toBeGreaterThan(0);
  }, 600_000);

  it('stores a hostile free-form bag byte for byte (property)', async () => {
    const deps = depsFor(stack);
    const worker = workersFor(stack.dynamodb, stack.tableName, LONG_TTL_DAYS);
    let n = 0;
    const bag = fc.oneof(
      protoObject,
      deep.map((d) => `{"deep":${d}}`),
      bigNumber.map((b) => `{"n":${b},"list":[${b}]}`),
      oddString.map((s) => `{"s":${s},${s}:1}`),
      fc.json({ maxDepth: 4 }).filter((t) => t.startsWith('{')),
    );
    const target = fc.constantFrom(
      ['message_created', 'content_attributes'] as const,
      ['message_updated', 'content_attributes'] as const,
      ['conversation_created', 'custom_attributes'] as const,
      ['conversation_updated', 'additional_attributes'] as const,
      ['contact_created', 'custom_attributes'] as const,
      ['contact_updated', 'additional_attributes'] as const,
    );
    await fc.assert(
      fc.asyncProperty(target, bag, async ([event, field], text) => {
        n += 1;
        const id = 900_000 + n;
        const payload = handledPayload(event, { shape: 'real' });
        setOwn(payload, field, '@@BAG@@');
        setOwn(payload, 'id', id);
        if ('display_id' in payload) setOwn(payload, 'display_id', id);
        const body = chatwootJson(payload).replace('"@@BAG@@"', text);
        const delivery = `bag-${seed}-${n}`;
        const response = await handleWebhook(
          webhookRequest(body, { headers: { 'x-chatwoot-delivery': delivery } }),
          deps,
        );
        expect(JSON.parse(response.body)).toMatchObject({ status: 'accepted' });
        const route = routeOfEvent(event);
        const result = await worker(route)(sqsEventOf(await takeMessage(stack, route)));
        expect(result.batchItemFailures).toEqual([]);
        expect(
          (await getRawEvent({ dynamodb: stack.dynamodb, tableName: stack.tableName }, { eventId: delivery }))
            ?.outcome,
        ).toBe('handled');
        const key = event.startsWith('message')
          ? messageKey(story.accountId, story.conversationId, id)
          : event.startsWith('contact')
            ? contactKey(story.accountId, id)
            : conversationKey(story.accountId, id);
        const item = await stack.dynamodb.send(
          new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
        );
        const stored = unmarshall(item.Item ?? {})[field];
        expect(stored instanceof Uint8Array ? gunzipSync(stored).toString('utf8') : stored).toBe(text);
      }),
      { seed, numRuns: Math.max(10, Math.floor(RUNS / 3)), endOnFailure: true },
    );
  }, 600_000);
});
