import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { handledEventNames, routeNames, routeOfEvent } from '#contracts/routes.ts';
import {
  automationPayload,
  chatwootJson,
  handledPayload,
  largeMessagePayload,
  messagePayload,
  specialCharsPayload,
  typingPayload,
  unknownPayload,
} from '#fixtures/payloads.ts';
import { decodeEnvelope } from '#lib/events/envelope.ts';
import { handleWebhook } from '#lib/ingest/handle-webhook.ts';
import type { Outcome } from '#lib/ingest/outcome.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { depsFor, drainQueue, NOW, OLD_SECRET, parseBody, TOKEN, webhookRequest } from './support.ts';

const attributesOf = (message: { MessageAttributes?: Record<string, { StringValue?: string }> }) =>
  Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));

describe('ingest routing against fauxqs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });

  it('puts every handled event, doc and real shaped, on its own queue with the right attributes', async () => {
    /** delivery id → raw body sent */
    const sent = new Map<string, string>();
    for (const shape of ['doc', 'real'] as const) {
      for (const event of handledEventNames) {
        const raw = chatwootJson(handledPayload(event, { shape }));
        const delivery = randomUUID();
        const response = await handleWebhook(
          webhookRequest(raw, { headers: { 'X-Chatwoot-Delivery': delivery } }),
          depsFor(stack),
        );
        expect(response.statusCode, `${shape} ${event}: ${response.body}`).toBe(202);
        expect(response.headers['content-type']).toBe('application/json');
        expect(parseBody(response)).toEqual({ status: 'accepted', id: delivery, event });
        sent.set(delivery, raw);
      }
    }
    for (const route of routeNames) {
      const messages = await drainQueue(stack, route);
      const expected = handledEventNames.filter((event) => routeOfEvent(event) === route);
      expect(messages, route).toHaveLength(expected.length * 2);
      for (const message of messages) {
        const attributes = attributesOf(message);
        expect(routeOfEvent(attributes.event as (typeof handledEventNames)[number])).toBe(route);
        expect(attributes).toMatchObject({
          source: 'acme',
          receivedAt: NOW.toISOString(),
          senderTimestamp: NOW.toISOString(),
          accountId: '1',
          encoding: 'identity',
        });
        expect(attributes.validationIssues).toBeUndefined();
        const envelope = decodeEnvelope(message.Body ?? '', message.MessageAttributes ?? {});
        expect(sent.has(envelope.eventId), `event id ${envelope.eventId} was sent`).toBe(true);
        expect(envelope.rawBody).toBe(sent.get(envelope.eventId));
        expect(envelope.event).toBe(JSON.parse(envelope.rawBody).event);
      }
    }
  });

  it('archives unknown, typing and automation events on the archive queue', async () => {
    const bodies = [
      unknownPayload(),
      typingPayload(),
      automationPayload(),
      { event: 'inbox_created', id: 3 },
    ];
    for (const payload of bodies) {
      const response = await handleWebhook(webhookRequest(chatwootJson(payload)), depsFor(stack));
      expect(response.statusCode).toBe(202);
      expect(parseBody(response)).toMatchObject({ status: 'archived', event: payload.event });
    }
    const archived = await drainQueue(stack, 'archive');
    expect(archived.map((m) => attributesOf(m).event).sort()).toEqual(bodies.map((b) => b.event).sort());
    for (const route of routeNames.filter((r) => r !== 'archive'))
      expect(await drainQueue(stack, route), route).toHaveLength(0);
  });

  it('quarantines a handled event that misfits its schema, with readable issues and a metric', async () => {
    const outcomes: Outcome[] = [];
    const misfit = messagePayload({ overrides: { id: 'not-a-number' } });
    const raw = chatwootJson(misfit);
    const response = await handleWebhook(
      webhookRequest(raw),
      depsFor(stack, { recordOutcome: (o) => outcomes.push(o) }),
    );
    expect(response.statusCode).toBe(202);
    expect(parseBody(response)).toMatchObject({ status: 'quarantined', event: 'message_created' });
    expect(outcomes).toEqual([{ outcome: 'quarantined', event: 'message_created', spilled: false }]);
    const [message, ...rest] = await drainQueue(stack, 'quarantine');
    expect(rest).toHaveLength(0);
    const envelope = decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {});
    expect(envelope.rawBody).toBe(raw);
    expect(envelope.event).toBe('message_created');
    const issues = JSON.parse(envelope.validationIssues ?? '[]') as { path: string; message: string }[];
    expect(issues.length).toBeGreaterThan(0);
    expect(
      issues.some((issue) => /(^|\W)id$/.test(issue.path) && issue.message.length > 0),
      envelope.validationIssues,
    ).toBe(true);
    expect(await drainQueue(stack, 'message-created')).toHaveLength(0);
  });

  it('round-trips a ~450 KB body through gzip byte-exact', async () => {
    const raw = chatwootJson(largeMessagePayload());
    expect(Buffer.byteLength(raw)).toBeGreaterThan(440_000);
    const response = await handleWebhook(webhookRequest(raw), depsFor(stack));
    expect(response.statusCode).toBe(202);
    const [message] = await drainQueue(stack, 'message-created');
    expect(attributesOf(message ?? {}).encoding).toBe('gzip+base64');
    expect(Buffer.byteLength(message?.Body ?? '')).toBeLessThan(raw.length / 2);
    expect(decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {}).rawBody).toBe(raw);
  });

  it('keeps escaped <>& and raw emoji/CJK/Arabic byte-exact (emoji bodies travel gzipped)', async () => {
    const raw = chatwootJson(specialCharsPayload());
    expect(raw).toContain('\\u003c');
    const response = await handleWebhook(webhookRequest(raw, { base64: true }), depsFor(stack));
    expect(response.statusCode).toBe(202);
    const [message] = await drainQueue(stack, 'message-created');
    const envelope = decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {});
    expect(envelope.rawBody).toBe(raw);
    expect(envelope.eventId).toBe(createHash('sha256').update(raw).digest('hex'));
  });

  it('sends a body with astral emoji byte-exact (gzip+base64: the emulator refuses surrogates as text)', async () => {
    const raw = chatwootJson(messagePayload({ content: 'thanks 😀👍🏽 <3' }));
    expect(Buffer.byteLength(raw)).toBeLessThan(64 * 1024);
    const response = await handleWebhook(webhookRequest(raw), depsFor(stack));
    expect(response.statusCode).toBe(202);
    expect(parseBody(response).spilled).toBeUndefined();
    const [message] = await drainQueue(stack, 'message-created');
    expect(attributesOf(message ?? {}).encoding).toBe('gzip+base64');
    expect(decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {}).rawBody).toBe(raw);
  });

  it('uses the body hash when the delivery id is absent or unusable, and the old secret still verifies', async () => {
    const raw = chatwootJson(handledPayload('contact_updated'));
    const response = await handleWebhook(
      webhookRequest(raw, { secret: OLD_SECRET, headers: { 'x-chatwoot-delivery': 'bad id with spaces' } }),
      depsFor(stack),
    );
    expect(parseBody(response)).toMatchObject({
      status: 'accepted',
      id: createHash('sha256').update(raw).digest('hex'),
    });
    expect(await drainQueue(stack, 'contact-updated')).toHaveLength(1);
  });

  it('token mode: unsigned automation webhook with ?token= gets the source account, no sender timestamp', async () => {
    const payload = { event: 'automation_event.message_created', id: 5, content: 'hi' };
    const response = await handleWebhook(
      webhookRequest(chatwootJson(payload), { source: 'bots', secret: null, query: { token: TOKEN } }),
      depsFor(stack),
    );
    expect(parseBody(response)).toMatchObject({ status: 'archived' });
    const [message] = await drainQueue(stack, 'archive');
    const attributes = attributesOf(message ?? {});
    expect(attributes.accountId).toBe('9');
    expect(attributes.senderTimestamp).toBeUndefined();
    const refused = await handleWebhook(
      webhookRequest(chatwootJson(payload), { source: 'bots', secret: null, query: { token: `${TOKEN}0` } }),
      depsFor(stack),
    );
    expect(refused.statusCode).toBe(401);
    expect(parseBody(refused)).toEqual({
      status: 'rejected',
      error: { code: 'unauthorized', message: expect.any(String) },
    });
  });

  it('the payload account wins over the configured one; the configured one fills in when absent', async () => {
    const withAccount = chatwootJson(handledPayload('conversation_created'));
    const without = chatwootJson({ event: 'conversation_typing_on', conversation: { id: 7 } });
    await handleWebhook(webhookRequest(withAccount, { source: 'legacy' }), depsFor(stack));
    await handleWebhook(webhookRequest(without, { source: 'legacy' }), depsFor(stack));
    const [created] = await drainQueue(stack, 'conversation-created');
    const [typing] = await drainQueue(stack, 'archive');
    expect(attributesOf(created ?? {}).accountId).toBe('1');
    expect(attributesOf(typing ?? {}).accountId).toBe('5');
  });

  it('refuses with 413 a body still over the SQS limit after gzip, and records it', async () => {
    const outcomes: Outcome[] = [];
    const noise = randomBytes(900_000).toString('base64');
    const raw = JSON.stringify({ event: 'message_created', id: 1, content: noise });
    const response = await handleWebhook(
      webhookRequest(raw),
      depsFor(stack, { recordOutcome: (o) => outcomes.push(o) }),
    );
    expect(response.statusCode).toBe(413);
    expect(parseBody(response)).toMatchObject({ status: 'rejected', error: { code: 'message_too_large' } });
    expect(outcomes).toEqual([{ outcome: 'message_too_large', event: 'message_created', spilled: false }]);
    for (const route of routeNames) expect(await drainQueue(stack, route), route).toHaveLength(0);
  });
});
