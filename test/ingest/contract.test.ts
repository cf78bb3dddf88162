import { beforeAll, describe, expect, it } from 'vitest';
import { routeNames } from '#contracts/routes.ts';
import { chatwootJson, handledPayload } from '#fixtures/payloads.ts';
import { handleWebhook } from '#lib/ingest/handle-webhook.ts';
import { isJsonContentType } from '#lib/ingest/http.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import {
  depsFor,
  drainQueue,
  NOW_SECONDS,
  parseBody,
  type RequestOptions,
  webhookRequest,
} from './support.ts';

const valid = chatwootJson(handledPayload('message_created'));

describe('ingest status codes and bodies', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });
  const send = (raw: string | Buffer, options: RequestOptions = {}, maxBodyBytes?: number) =>
    handleWebhook(
      webhookRequest(raw, options),
      depsFor(stack, maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    );
  const expectRejected = async (
    response: Awaited<ReturnType<typeof send>>,
    statusCode: number,
    code: string,
  ): Promise<void> => {
    expect(response.statusCode, response.body).toBe(statusCode);
    expect(response.headers['content-type']).toBe('application/json');
    expect(parseBody(response)).toEqual({ status: 'rejected', error: { code, message: expect.any(String) } });
  };

  it('405 for any method but POST, with Allow', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      const response = await send(valid, { method });
      await expectRejected(response, 405, 'method_not_allowed');
      expect(response.headers.allow).toBe('POST');
    }
    expect((await send(valid, { method: 'post' })).statusCode).toBe(202);
  });

  it('404 for an unknown or missing source, before authentication', async () => {
    await expectRejected(await send(valid, { source: 'nobody' }), 404, 'unknown_source');
    await expectRejected(await send(valid, { source: '__proto__' }), 404, 'unknown_source');
    await expectRejected(await send(valid, { source: 'toString' }), 404, 'unknown_source');
    const noSource = webhookRequest(valid);
    noSource.source = undefined;
    await expectRejected(await handleWebhook(noSource, depsFor(stack)), 404, 'unknown_source');
  });

  it('413 for a raw body over MAX_BODY_BYTES (also base64-encoded), before anything else is read', async () => {
    await expectRejected(await send(valid, {}, valid.length - 1), 413, 'payload_too_large');
    await expectRejected(await send(valid, { base64: true }, valid.length - 1), 413, 'payload_too_large');
    await expectRejected(
      await send(valid, { contentType: 'text/plain', secret: 'x' }, 10),
      413,
      'payload_too_large',
    );
    expect((await send(valid, {}, valid.length)).statusCode).toBe(202);
  });

  it('415 for a non-JSON content type; JSON with charset and +json types pass', async () => {
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/jsonx',
      'json',
      '',
    ]) {
      await expectRejected(await send(valid, { contentType }), 415, 'unsupported_media_type');
    }
    await expectRejected(await send(valid, { contentType: null }), 415, 'unsupported_media_type');
    await expectRejected(
      await send(valid, { contentType: 'application/json; charset=iso-8859-1' }),
      415,
      'unsupported_media_type',
    );
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset="UTF-8"',
      'application/vnd.chatwoot+json',
    ]) {
      expect(isJsonContentType(contentType), contentType).toBe(true);
      expect((await send(valid, { contentType })).statusCode, contentType).toBe(202);
    }
  });

  it('401 with one generic code for every authentication failure, before the body is parsed', async () => {
    const cases: RequestOptions[] = [
      { secret: null },
      { secret: 'wrong-secret' },
      { timestamp: NOW_SECONDS - 301 },
      { timestamp: NOW_SECONDS + 301 },
      { headers: { 'x-chatwoot-signature': 'sha256=nothex' } },
      { headers: { 'x-chatwoot-timestamp': '' } },
    ];
    for (const options of cases) await expectRejected(await send(valid, options), 401, 'unauthorized');
    // Unsigned garbage is refused as unauthenticated, not parsed.
    await expectRejected(await send('not json', { secret: null }), 401, 'unauthorized');
  });

  it('matches header names case-insensitively', async () => {
    const request = webhookRequest(valid);
    request.headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([name, value]) => [
        name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()),
        value,
      ]),
    );
    expect(Object.keys(request.headers)).toContain('X-Chatwoot-Signature');
    expect((await handleWebhook(request, depsFor(stack))).statusCode).toBe(202);
  });

  it('accepts a base64-encoded body verified over its decoded bytes', async () => {
    expect((await send(valid, { base64: true })).statusCode).toBe(202);
    // Signed over the base64 text instead of the bytes: refused.
    const wrong = webhookRequest(Buffer.from(valid).toString('base64'));
    wrong.isBase64Encoded = true;
    await expectRejected(await handleWebhook(wrong, depsFor(stack)), 401, 'unauthorized');
  });

  it('400 for malformed JSON, non-objects, a missing or non-string event, invalid UTF-8', async () => {
    const cases: [string | Buffer, string][] = [
      ['{"event":', 'invalid_json'],
      ['', 'invalid_json'],
      ['\ufeff{"event":"message_created"}', 'invalid_json'],
      ['[{"event":"message_created"}]', 'not_an_object'],
      ['"message_created"', 'not_an_object'],
      ['42', 'not_an_object'],
      ['null', 'not_an_object'],
      ['{"id":1}', 'missing_event'],
      ['{"event":7}', 'missing_event'],
      ['{"event":null}', 'missing_event'],
      ['{"event":["message_created"]}', 'missing_event'],
      ['{"event":""}', 'invalid_event'],
      ['{"event":"a\\u0000b"}', 'invalid_event'],
      [`{"event":"${'x'.repeat(257)}"}`, 'invalid_event'],
      [
        Buffer.from([0x7b, 0x22, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
        'invalid_encoding',
      ],
    ];
    for (const [raw, code] of cases) {
      await expectRejected(await send(raw, { base64: Buffer.isBuffer(raw) }), 400, code);
    }
  });

  it('nothing refused ever reaches a queue', async () => {
    // Everything above that was accepted went to message-created; every other queue is empty.
    for (const route of routeNames.filter((r) => r !== 'message-created'))
      expect(await drainQueue(stack, route), route).toHaveLength(0);
  });
});
