import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handledEventNames } from '#contracts/routes.ts';
import { chatwootJson, handledPayload } from '#fixtures/payloads.ts';
import { handleWebhook, type WebhookRequest } from '#lib/ingest/handle-webhook.ts';
import { signBody } from '#lib/signing.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { depsFor, NOW_SECONDS, SECRET, TOKEN } from './support.ts';

/**
 * No client input may produce a 5xx (the sender would lose the event) or a body outside the
 * contract. Random bodies and headers go through the real ingest logic with working deps (fauxqs
 * and DynamoDB Local), half of them correctly signed so they reach parsing and routing.
 */
const allowedStatuses = new Set([202, 400, 401, 404, 405, 413, 415]);
const statusNames = new Set(['accepted', 'quarantined', 'archived', 'rejected']);

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\uffff', '😀'),
);
const eventName = fc.oneof(fc.constantFrom(...handledEventNames, 'conversation_typing_on', 'x.y'), anyString);
const jsonValue = fc.jsonValue();
const randomObjectWithEvent = fc
  .tuple(fc.dictionary(anyString, jsonValue, { maxKeys: 6 }), eventName)
  .map(([object, event]) => JSON.stringify({ ...object, event }));
const mutatedFixture = fc
  .tuple(
    fc.constantFrom(...handledEventNames),
    fc.constantFrom('doc', 'real') as fc.Arbitrary<'doc' | 'real'>,
    fc.dictionary(
      fc.constantFrom(
        'id',
        'account',
        'conversation',
        'sender',
        'message_type',
        'created_at',
        'contact',
        'inbox',
        'messages',
        'changed_attributes',
        'meta',
      ),
      jsonValue,
      { maxKeys: 3 },
    ),
  )
  .map(([event, shape, overrides]) => chatwootJson(handledPayload(event, { shape, overrides })));

const body: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  anyString.map((text) => Buffer.from(text, 'utf8')),
  fc.json().map((text) => Buffer.from(text, 'utf8')),
  randomObjectWithEvent.map((text) => Buffer.from(text, 'utf8')),
  mutatedFixture.map((text) => Buffer.from(text, 'utf8')),
);

const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'Content-Type',
    'x-chatwoot-signature',
    'X-Chatwoot-Timestamp',
    'x-chatwoot-delivery',
    'X-Chatwoot-Delivery',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);
const randomHeaders = fc.dictionary(headerName, anyString, { maxKeys: 5 });

const request = fc.record({
  body,
  method: fc.oneof(
    fc.constant('POST'),
    fc.constantFrom('GET', 'PUT', 'post', ''),
    fc.string({ maxLength: 8 }),
  ),
  source: fc.oneof(
    fc.constantFrom('acme', 'bots', 'legacy'),
    fc.constantFrom('nobody', '__proto__', ''),
    fc.string(),
  ),
  sign: fc.boolean(),
  skew: fc.oneof(fc.constant(0), fc.integer({ min: -1000, max: 1000 })),
  base64: fc.boolean(),
  contentType: fc.oneof(fc.constant('application/json'), anyString),
  headers: randomHeaders,
  token: fc.oneof(fc.constant(undefined), fc.constant(TOKEN), anyString),
  nullish: fc.boolean(),
});

type RandomRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

const toRequest = (r: RandomRequest): WebhookRequest => {
  const timestamp = String(NOW_SECONDS + r.skew);
  const headers: Record<string, string> = { ...r.headers };
  headers['content-type'] = r.contentType;
  if (r.sign) {
    headers['x-chatwoot-timestamp'] = timestamp;
    headers['x-chatwoot-signature'] = signBody(SECRET, timestamp, r.body);
  }
  return {
    method: r.method,
    source: r.source,
    headers: r.nullish ? undefined : headers,
    query: r.token === undefined ? undefined : { token: r.token },
    body: r.base64 ? r.body.toString('base64') : r.body.toString('utf8'),
    isBase64Encoded: r.base64,
  };
};

describe('no 5xx from client input', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });

  it('answers every random request with a contract-shaped JSON body and a non-5xx status', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const response = await handleWebhook(toRequest(r), depsFor(stack));
        expect(
          allowedStatuses.has(response.statusCode),
          `status ${response.statusCode}: ${response.body}`,
        ).toBe(true);
        expect(response.headers['content-type']).toBe('application/json');
        const parsed = JSON.parse(response.body) as Record<string, unknown>;
        expect(statusNames.has(parsed.status as string)).toBe(true);
        // Working deps: nothing should ever need the spillover.
        expect(parsed.spilled).toBeUndefined();
        const keys = Object.keys(parsed).filter((key) => !['status', 'id', 'event', 'error'].includes(key));
        expect(keys).toEqual([]);
        if (response.statusCode === 202) {
          expect(typeof parsed.id).toBe('string');
          expect(typeof parsed.event).toBe('string');
          expect(parsed.error).toBeUndefined();
        } else {
          const error = parsed.error as { code?: unknown; message?: unknown };
          expect(typeof error.code).toBe('string');
          expect(typeof error.message).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('signed random objects with a well-formed event are always accepted, archived or quarantined', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(randomObjectWithEvent, mutatedFixture), fc.boolean(), async (raw, base64) => {
        const bytes = Buffer.from(raw, 'utf8');
        const timestamp = String(NOW_SECONDS);
        const event = (JSON.parse(raw) as { event: string }).event;
        const response = await handleWebhook(
          {
            method: 'POST',
            source: 'acme',
            headers: {
              'Content-Type': 'application/json',
              'X-Chatwoot-Timestamp': timestamp,
              'X-Chatwoot-Signature': signBody(SECRET, timestamp, bytes),
            },
            query: undefined,
            body: base64 ? bytes.toString('base64') : raw,
            isBase64Encoded: base64,
          },
          depsFor(stack),
        );
        const wellFormed =
          /^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]{1,256}$/u.test(event) && Buffer.from(raw).toString() === raw;
        if (wellFormed) {
          expect(response.statusCode, response.body).toBe(202);
          expect(['accepted', 'archived', 'quarantined']).toContain(JSON.parse(response.body).status);
        } else expect(response.statusCode).toBe(400);
      }),
      { numRuns: 300 },
    );
  });
});
