import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerClientError,
  fromHandlerResult,
  matchWebhookPath,
  PayloadTooLargeError,
  type RawRequest,
  readRequest,
  requestTime,
  toApiGatewayEvent,
  writeJson,
} from '#infra/local/http-adapter.ts';

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

describe('limits of the local HTTP server, over real sockets', () => {
  const LIMIT = 64 * 1024;
  let server: Server;
  let port: number;
  // Wired like infra/local/stack.ts: read the body (limit), answer; clientError → JSON.
  beforeAll(async () => {
    server = createServer((request, response) => {
      readRequest(request, LIMIT).then(
        (raw) => writeJson(response, 200, { bytes: raw.body.length }),
        (error: unknown) =>
          error instanceof PayloadTooLargeError
            ? writeJson(response, 413, { message: 'Request Entity Too Large' })
            : writeJson(response, 500, { message: 'Internal Server Error' }),
      );
    });
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: Buffer, headers: Record<string, string> = {}, chunked = false) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/webhooks/acme',
          headers: {
            'content-type': 'application/json',
            ...(chunked ? {} : { 'content-length': String(body.length) }),
            ...headers,
          },
          agent: false,
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body: text }),
          );
        },
      );
      request.on('error', reject);
      if (chunked) {
        for (let offset = 0; offset < body.length; offset += 16 * 1024)
          request.write(body.subarray(offset, offset + 16 * 1024));
        request.end();
      } else request.end(body);
    });

  it('answers a body over the limit with a JSON 413, not a reset, however it is sent', async () => {
    expect(await post(Buffer.alloc(LIMIT, 0x20))).toEqual({
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ bytes: LIMIT }),
    });
    for (const [body, chunked] of [
      [Buffer.alloc(LIMIT + 1, 0x20), false],
      [Buffer.alloc(4 * 1024 * 1024, 0x20), false],
      [Buffer.alloc(2 * 1024 * 1024, 0x20), true],
    ] as const) {
      const answer = await post(body, {}, chunked);
      expect(answer.status).toBe(413);
      expect(answer.type).toBe('application/json');
      expect(JSON.parse(answer.body)).toEqual({ message: 'Request Entity Too Large' });
    }
  });

  it('answers oversized headers with a JSON 431, not an empty body', async () => {
    const answer = await post(Buffer.from('{}'), { 'x-padding': 'a'.repeat(32 * 1024) });
    expect(answer.status).toBe(431);
    expect(answer.type).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Header Fields Too Large' });
    // The raw bytes on the wire, from a plain TCP client.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(`POST /webhooks/acme HTTP/1.1\r\nhost: x\r\nx-padding: ${'b'.repeat(20_000)}\r\n\r\n`);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(raw).toMatch(/\r\ncontent-type: application\/json\r\n/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({
      message: 'Request Header Fields Too Large',
    });
  });

  it('answers a malformed request line with a JSON 400', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('NOT HTTP AT ALL\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ message: 'Bad Request' });
  });
});
