import { describe, expect, it } from 'vitest';
import {
  fromHandlerResult,
  matchWebhookPath,
  type RawRequest,
  requestTime,
  toApiGatewayEvent,
} from '../../infra/local/http-adapter.ts';

const request = (overrides: Partial<RawRequest> = {}): RawRequest => ({
  method: 'POST',
  url: '/webhooks/acme?a=1&a=2&b=x%20y',
  rawHeaders: [
    'Content-Type',
    'application/json',
    'X-Chatwoot-Signature',
    'sha256=ab',
    'Accept',
    'application/json',
    'Accept',
    'text/plain',
    'Cookie',
    'one=1; two=2',
    'User-Agent',
    'Ruby',
    'Host',
    '127.0.0.1:3000',
  ],
  httpVersion: '1.1',
  remoteAddress: '::ffff:127.0.0.1',
  body: Buffer.from('{"event":"x","text":"\\u003cb\\u003e 日本"}'),
  ...overrides,
});

describe('API Gateway v2 event from an HTTP request', () => {
  it('keeps the raw text body and lower-cases, joins and splits headers like API Gateway', () => {
    const now = new Date('2026-11-25T13:28:33.123Z');
    const event = toApiGatewayEvent(request(), { now, requestId: 'req-1' });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /webhooks/{source}',
      rawPath: '/webhooks/acme',
      rawQueryString: 'a=1&a=2&b=x%20y',
      queryStringParameters: { a: '1,2', b: 'x y' },
      pathParameters: { source: 'acme' },
      cookies: ['one=1', 'two=2'],
      isBase64Encoded: false,
      body: '{"event":"x","text":"\\u003cb\\u003e 日本"}',
      requestContext: {
        requestId: 'req-1',
        time: '25/Nov/2026:13:28:33 +0000',
        timeEpoch: now.getTime(),
        routeKey: 'ANY /webhooks/{source}',
        stage: '$default',
        domainName: '127.0.0.1:3000',
        http: {
          method: 'POST',
          path: '/webhooks/acme',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'Ruby',
        },
      },
    });
    expect(event.headers).toEqual({
      'content-type': 'application/json',
      'x-chatwoot-signature': 'sha256=ab',
      accept: 'application/json,text/plain',
      'user-agent': 'Ruby',
      host: '127.0.0.1:3000',
    });
  });

  it('base64-encodes binary content types and bytes that are not UTF-8', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const binary = toApiGatewayEvent(
      request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: bytes }),
    );
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body ?? '', 'base64')).toEqual(bytes);
    const badUtf8 = toApiGatewayEvent(
      request({ rawHeaders: ['Content-Type', 'application/json'], body: bytes }),
    );
    expect(badUtf8.isBase64Encoded).toBe(true);
    const noBody = toApiGatewayEvent(request({ body: Buffer.alloc(0), url: '/other' }));
    expect(noBody.body).toBeUndefined();
    expect(noBody.routeKey).toBe('$default');
    expect(noBody.pathParameters).toBeUndefined();
    expect(noBody.queryStringParameters).toBeUndefined();
  });

  it('matches only /webhooks/{source}', () => {
    expect(matchWebhookPath('/webhooks/acme')).toBe('acme');
    expect(matchWebhookPath('/webhooks/a%2Db')).toBe('a-b');
    expect(matchWebhookPath('/webhooks/')).toBeNull();
    expect(matchWebhookPath('/webhooks/a/b')).toBeNull();
    expect(matchWebhookPath('/health')).toBeNull();
  });

  it('formats requestContext.time the way API Gateway does', () => {
    expect(requestTime(new Date('2026-01-05T03:04:05Z'))).toBe('05/Jan/2026:03:04:05 +0000');
  });
});

describe('HTTP response from a handler result', () => {
  it('takes structured results as they are, decoding base64 bodies', () => {
    const result = fromHandlerResult({
      statusCode: 202,
      headers: { 'Content-Type': 'application/json', 'Retry-After': 3 },
      body: Buffer.from('{"status":"accepted"}').toString('base64'),
      isBase64Encoded: true,
    });
    expect(result.statusCode).toBe(202);
    expect(result.headers).toEqual({ 'content-type': 'application/json', 'retry-after': '3' });
    expect(result.body.toString()).toBe('{"status":"accepted"}');
  });

  it('treats a bare object or string as a 200 JSON body', () => {
    expect(fromHandlerResult({ ok: true }).body.toString()).toBe('{"ok":true}');
    expect(fromHandlerResult('hi')).toMatchObject({ statusCode: 200 });
  });
});
