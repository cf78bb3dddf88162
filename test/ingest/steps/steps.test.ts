import { describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '#lib/delivery/deadline.ts';
import { deliverOrSpill } from '#lib/delivery/deliver-or-spill.ts';
import type { SendMessage } from '#lib/delivery/send.ts';
import { decodeEnvelope } from '#lib/events/envelope.ts';
import type { Outcome } from '#lib/ingest/outcome.ts';
import { payloadChecks } from '#lib/ingest/payload-checks.ts';
import { answerDurable } from '#lib/ingest/steps/answer.ts';
import { authenticateRequest } from '#lib/ingest/steps/authenticate-request.ts';
import { isRefused, type Refused, requestContext } from '#lib/ingest/steps/context.ts';
import { deliverEvent, type EventToDeliver, envelopeOf } from '#lib/ingest/steps/deliver.ts';
import { parseWebhook } from '#lib/ingest/steps/parse-webhook.ts';
import { type ReadRequest, readRequest } from '#lib/ingest/steps/read-request.ts';
import { attributeText, classifyAndRoute, routeArchivedEvent } from '#lib/ingest/steps/route.ts';
import { NOW, sources, webhookRequest } from '#test/ingest/support.ts';

/** Unit tests of each ingest step on its own, with fakes for the side effects (no wire crossed). */

const contextFor = (request = webhookRequest('{}')) => {
  const outcomes: Outcome[] = [];
  const ctx = requestContext(request, { recordOutcome: (o) => outcomes.push(o), retryAfterSeconds: 7 });
  return { ctx, outcomes };
};

const refusedBody = (result: object) => {
  expect(isRefused(result)).toBe(true);
  const { refused } = result as Refused;
  return { status: refused.statusCode, headers: refused.headers, body: JSON.parse(refused.body) };
};

const read = async (request = webhookRequest('{"event":"x"}')): Promise<ReadRequest> => {
  const result = await readRequest(request, { sources, maxBodyBytes: 1024 }, contextFor(request).ctx);
  if (isRefused(result)) throw new Error('expected the request to be read');
  return result;
};

describe('requestContext', () => {
  it('correlates by a valid delivery id, else by the request id', () => {
    const withDelivery = webhookRequest('{}', { headers: { 'x-chatwoot-delivery': ' d-1 ' } });
    expect(requestContext(withDelivery, {}).logKeys.correlation_id).toBe('d-1');
    const bad = {
      ...webhookRequest('{}', { headers: { 'x-chatwoot-delivery': 'no spaces' } }),
      requestId: 'r-9',
    };
    const ctx = requestContext(bad, {});
    expect(ctx.validDelivery).toBeUndefined();
    expect(ctx.logKeys).toEqual({ source: 'acme', correlation_id: 'r-9', request_id: 'r-9' });
  });
});

describe('readRequest', () => {
  it('refuses, in order, a wrong method, an unknown source, a large body and a non-JSON media type', async () => {
    const cases = [
      [webhookRequest('{}', { method: 'GET' }), 405, 'method_not_allowed'],
      [webhookRequest('x'.repeat(2000), { source: 'nobody', method: 'post' }), 404, 'unknown_source'],
      [webhookRequest('x'.repeat(2000), { contentType: 'text/plain' }), 413, 'payload_too_large'],
      [webhookRequest('{}', { contentType: 'text/plain' }), 415, 'unsupported_media_type'],
    ] as const;
    for (const [request, status, code] of cases) {
      const { ctx, outcomes } = contextFor(request);
      const answer = refusedBody(await readRequest(request, { sources, maxBodyBytes: 1024 }, ctx));
      expect([answer.status, answer.body.error.code]).toEqual([status, code]);
      expect(outcomes).toEqual([{ outcome: code, event: null, spilled: false }]);
    }
  });

  it('answers 503 with retry-after when the sources cannot be loaded', async () => {
    const { ctx, outcomes } = contextFor();
    const failing = async () => {
      throw new Error('extension down');
    };
    const answer = refusedBody(
      await readRequest(webhookRequest('{}'), { sources: failing, maxBodyBytes: 1024 }, ctx),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('7');
    expect(answer.body.status).toBe('unavailable');
    expect(outcomes).toEqual([{ outcome: 'unavailable', event: null, spilled: false }]);
  });

  it('hands on the source and the exact bytes, decoding only a base64 body', async () => {
    const text = await read(webhookRequest('{"a":1}'));
    expect([text.sourceName, text.rawBody]).toEqual(['acme', '{"a":1}']);
    const base64 = await read(webhookRequest('{"a":1}', { base64: true }));
    expect(Buffer.isBuffer(base64.rawBody) && base64.rawBody.toString('utf8')).toBe('{"a":1}');
  });
});

describe('authenticateRequest', () => {
  it('accepts a signed request with its sender timestamp', async () => {
    const request = webhookRequest('{"event":"x"}');
    const auth = authenticateRequest(request, await read(request), NOW, contextFor(request).ctx);
    expect(auth).toEqual({ ok: true, mode: 'signature', senderTimestamp: expect.any(String) });
  });

  it('refuses a bad signature with a bare 401 and correlates the log by the body hash', async () => {
    const request = webhookRequest('{"event":"x"}', { secret: 'wrong' });
    const { ctx, outcomes } = contextFor(request);
    const answer = refusedBody(authenticateRequest(request, await read(request), NOW, ctx));
    expect([answer.status, answer.body.error.code]).toEqual([401, 'unauthorized']);
    expect(ctx.logKeys.correlation_id).toMatch(/^[0-9a-f]{64}$/);
    expect(outcomes).toEqual([{ outcome: 'unauthorized', event: null, spilled: false }]);
  });
});

describe('parseWebhook', () => {
  it('refuses what is not a JSON object naming a printable event', async () => {
    const cases = [
      [Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_encoding'],
      ['{"event":', 'invalid_json'],
      ['[1]', 'not_an_object'],
      ['{"event":1}', 'missing_event'],
      ['{"event":"a\\u0000b"}', 'invalid_event'],
    ] as const;
    for (const [body, code] of cases) {
      const request = webhookRequest(body, { base64: Buffer.isBuffer(body) });
      const { ctx } = contextFor(request);
      const answer = refusedBody(parseWebhook(await read(request), ctx));
      expect([answer.status, answer.body.error.code]).toEqual([400, code]);
    }
  });

  it('names the event by its delivery id, else by the hash of its bytes; marks emoji bodies unsafe as text', async () => {
    const delivered = webhookRequest('{"event":"x"}', { headers: { 'x-chatwoot-delivery': 'd-7' } });
    const parsed = parseWebhook(await read(delivered), contextFor(delivered).ctx);
    expect(parsed).toMatchObject({ event: 'x', eventId: 'd-7', textUnsafe: false, payload: { event: 'x' } });
    const emoji = webhookRequest('{"event":"x","t":"😀"}');
    const hashed = parseWebhook(await read(emoji), contextFor(emoji).ctx);
    expect(hashed).toMatchObject({ textUnsafe: true, eventId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('classifyAndRoute', () => {
  const fits = { keysFit: () => true, describeMisfit: async () => '[]' };
  it('routes a handled event by its name, archives any other name', async () => {
    expect(await classifyAndRoute('message_created', {}, fits)).toEqual({
      route: 'message-created',
      status: 'accepted',
    });
    expect(await classifyAndRoute('automation_event', {}, fits)).toEqual({
      route: 'archive',
      status: 'archived',
    });
  });

  it('quarantines a misfit with its issues bounded and safe for an SQS attribute', async () => {
    const misfit = { keysFit: () => false, describeMisfit: async () => `\u0001${'x'.repeat(20_000)}` };
    const route = await classifyAndRoute('message_created', {}, misfit);
    expect(route.route).toBe('quarantine');
    expect(route.issues?.length).toBeLessThanOrEqual(16 * 1024);
    expect(route.issues?.startsWith('\uFFFD')).toBe(true);
    expect(route.issues?.endsWith('(truncated)')).toBe(true);
    expect(attributeText('\uD800ok', 10)).toBe('\uFFFDok');
  });

  it('routes an archived body the way the ingest routes it (mhub replay)', async () => {
    const misfit = await routeArchivedEvent('message_created', '{"event":"message_created"}', payloadChecks);
    expect(misfit.route).toBe('quarantine');
    expect(JSON.parse(misfit.issues ?? '')).not.toEqual([]);
    expect((await routeArchivedEvent('message_created', 'not json', payloadChecks)).issues).toBe(
      'the archived body is not JSON',
    );
    expect((await routeArchivedEvent('something_else', 'not json', payloadChecks)).route).toBe('archive');
  });
});

const toDeliver = async (route: EventToDeliver['route'] = { route: 'archive', status: 'archived' }) => {
  const request = webhookRequest('{"event":"x"}', {
    headers: { 'x-chatwoot-delivery': 'd-1', 'user-agent': 'ua' },
  });
  const readResult = await read(request);
  const parsed = parseWebhook(readResult, contextFor(request).ctx);
  if (isRefused(parsed)) throw new Error('expected a parsed body');
  const auth = { ok: true, mode: 'token', senderTimestamp: null } as const;
  return { request, sourceName: 'acme', receivedAt: NOW, auth, parsed, accountId: 3, route };
};

describe('deliverEvent', () => {
  const sent: { url: string; body: string }[] = [];
  const send: SendMessage = async (url, message) => {
    sent.push({ url, body: message.body });
  };
  const refuseSend: SendMessage = async () => {
    throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
  };
  const deps = (sendMessage: SendMessage, putSpillover = async () => 'stored' as const) => ({
    queueUrlPrefix: 'https://q/p-',
    gzipThresholdBytes: 64 * 1024,
    sendMessage,
    putSpillover,
    spilloverTimeoutMs: 200,
  });

  it('builds the envelope from what the earlier steps learned', async () => {
    const envelope = envelopeOf(
      await toDeliver({ route: 'quarantine', status: 'quarantined', issues: '[1]' }),
    );
    expect(envelope).toMatchObject({ eventId: 'd-1', event: 'x', accountId: 3, validationIssues: '[1]' });
    expect(envelope.receivedAt).toBe(NOW.toISOString());
    expect(envelope.headers?.['user-agent']).toBe('ua');
  });

  it('sends to the route queue', async () => {
    sent.length = 0;
    const event = await toDeliver();
    expect(await deliverEvent(event, deps(send), contextFor().ctx)).toEqual({ spilled: false });
    expect(sent.map((s) => s.url)).toEqual(['https://q/p-archive']);
  });

  it('spills when SQS refuses, and answers 503 when the spillover fails too', async () => {
    const event = await toDeliver();
    expect(await deliverEvent(event, deps(refuseSend), contextFor().ctx)).toEqual({ spilled: true });
    const { ctx, outcomes } = contextFor();
    const failing = async () => {
      throw new Error('dynamodb down');
    };
    const answer = refusedBody(await deliverEvent(event, deps(refuseSend, failing), ctx));
    expect([answer.status, answer.body.id, answer.headers['retry-after']]).toEqual([503, 'd-1', '7']);
    expect(outcomes).toEqual([{ outcome: 'unavailable', event: 'other', spilled: false }]);
  });
});

describe('deliverOrSpill', () => {
  it('abandons a spillover write that outlives its deadline', async () => {
    const message = { body: '{}', attributes: {}, encoding: 'identity' as const };
    const record = { route: 'archive' as const, eventId: 'e', receivedAt: NOW.toISOString(), message };
    const hang = () => new Promise<'stored'>(() => {});
    const result = deliverOrSpill('u', record, {
      sendMessage: async () => {
        throw Object.assign(new Error('nope'), { name: 'AccessDenied' });
      },
      putSpillover: hang,
      sqsRetryBudget: { totalMs: 100, baseDelayMs: 1, maxDelayMs: 1 },
      spilloverTimeoutMs: 50,
    });
    await expect(result).rejects.toBeInstanceOf(DeadlineExceededError);
  });
});

describe('answerDurable', () => {
  it('answers 202 with the status and id, and records the outcome', async () => {
    const { parsed } = await toDeliver();
    const { ctx, outcomes } = contextFor();
    const answer = answerDurable(parsed, { route: 'message-created', status: 'accepted' }, true, ctx);
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ status: 'accepted', id: 'd-1', event: 'x', spilled: true });
    expect(outcomes).toEqual([{ outcome: 'accepted', event: 'other', spilled: true }]);
  });
});

describe('deliverEvent and the worker', () => {
  it('sends a message the worker decodes to the exact body', async () => {
    const event = await toDeliver();
    let body = '';
    let attributes = {};
    await deliverEvent(
      event,
      {
        queueUrlPrefix: 'p-',
        gzipThresholdBytes: 0,
        sendMessage: async (_url, message) => {
          body = message.body;
          attributes = message.attributes;
        },
        putSpillover: async () => 'stored',
      },
      contextFor().ctx,
    );
    expect(decodeEnvelope(body, attributes).rawBody).toBe('{"event":"x"}');
  });
});
