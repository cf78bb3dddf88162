import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

/**
 * Turns a Node HTTP request into the API Gateway HTTP API (payload format 2.0) event the deployed
 * ingest receives, and the handler's result back into an HTTP response, following what API Gateway
 * does: lower-cased headers with repeated values joined by commas, cookies split out of the
 * headers, the raw body base64-encoded unless it is text, and a requestContext with id and time.
 */

/** The one route the API exposes (any method, so the ingest itself answers 405); `{source}` becomes pathParameters.source. */
export const WEBHOOK_ROUTE_KEY = 'ANY /webhooks/{source}';
const WEBHOOK_PATH = /^\/webhooks\/([^/]+)$/;

/** The `{source}` of a `/webhooks/{source}` path, or null when the path is not that route. */
export const matchWebhookPath = (rawPath: string): string | null => {
  const match = WEBHOOK_PATH.exec(rawPath);
  if (match === null) return null;
  try {
    return decodeURIComponent(match[1] ?? '');
  } catch {
    return null;
  }
};

const TEXT_CONTENT_TYPE =
  /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded)\b)/i;

/** API Gateway keeps text bodies as text and base64-encodes everything else (and non-UTF-8 bytes). */
export const isTextBody = (contentType: string | undefined, body: Buffer): boolean => {
  if (contentType === undefined || !TEXT_CONTENT_TYPE.test(contentType.trim())) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number): string => String(value).padStart(2, '0');

/** `25/Nov/2026:13:28:33 +0000`, the CLF time API Gateway puts in requestContext.time. */
export const requestTime = (date: Date): string =>
  `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;

export interface RawRequest {
  method: string;
  /** Path plus query string, as on the request line. */
  url: string;
  /** Node's `rawHeaders`: alternating names and values, with repeats. */
  rawHeaders: string[];
  httpVersion: string;
  remoteAddress: string | undefined;
  body: Buffer;
}

/** Builds the v2 event for one request. `now` and `requestId` are parameters so tests can pin them. */
export const toApiGatewayEvent = (
  request: RawRequest,
  options: { now?: Date; requestId?: string; domainName?: string } = {},
): APIGatewayProxyEventV2 => {
  const now = options.now ?? new Date();
  const queryIndex = request.url.indexOf('?');
  const rawPath = queryIndex === -1 ? request.url : request.url.slice(0, queryIndex);
  const rawQueryString = queryIndex === -1 ? '' : request.url.slice(queryIndex + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = (request.rawHeaders[index] ?? '').toLowerCase();
    const value = request.rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    queryStringParameters = {};
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      const previous = queryStringParameters[key];
      queryStringParameters[key] = previous === undefined ? value : `${previous},${value}`;
    }
  }

  const source = matchWebhookPath(rawPath);
  const routeKey = source === null ? '$default' : WEBHOOK_ROUTE_KEY;
  const text = isTextBody(headers['content-type'], request.body);
  const domainName = options.domainName ?? headers.host ?? 'localhost';

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: (request.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: options.requestId ?? randomUUID(),
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: request.body.length > 0 && !text,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (queryStringParameters !== undefined) event.queryStringParameters = queryStringParameters;
  if (source !== null) event.pathParameters = { source };
  if (request.body.length > 0)
    event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
};

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * API Gateway's reading of a v2 result: a structured result is taken as is; anything else (a string
 * or an object without statusCode) is a 200 JSON body.
 */
export const fromHandlerResult = (result: APIGatewayProxyResultV2<unknown>): HttpResult => {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as {
          statusCode?: number;
          headers?: Record<string, unknown>;
          body?: string;
          isBase64Encoded?: boolean;
          cookies?: string[];
        })
      : undefined;
  if (structured === undefined) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  const rawBody = structured.body ?? '';
  return {
    statusCode: structured.statusCode ?? 200,
    headers,
    cookies: structured.cookies ?? [],
    body: structured.isBase64Encoded ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8'),
  };
};

/** A Lambda context good enough for Powertools (`injectLambdaContext`) and for handlers that read it. */
export const lambdaContext = (functionName: string, timeoutSeconds: number, memoryMb = 512): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/** How much of an over-limit body is still read (and dropped) so the client gets to read its 413. */
const OVERFLOW_DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * Reads the whole body, up to `maxBytes` (API Gateway refuses payloads over 10 MB before any Lambda
 * runs). Over the limit it rejects with PayloadTooLargeError at once (from `Content-Length` when
 * the client declares it) but keeps reading and dropping the rest: destroying the socket while the
 * client is still sending would reset the connection before it reads the JSON 413 the caller writes.
 * Past OVERFLOW_DRAIN_BYTES more it gives up and destroys the connection.
 */
export const readRequest = (request: IncomingMessage, maxBytes: number): Promise<RawRequest> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflowed = false;
    const overflow = (): void => {
      overflowed = true;
      chunks.length = 0;
      reject(new PayloadTooLargeError());
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) overflow();
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (overflowed) {
        if (size > maxBytes + OVERFLOW_DRAIN_BYTES) request.socket.destroy();
        return;
      }
      if (size > maxBytes) {
        overflow();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () =>
      resolve({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        rawHeaders: request.rawHeaders,
        httpVersion: request.httpVersion,
        remoteAddress: request.socket.remoteAddress,
        body: Buffer.concat(chunks),
      }),
    );
  });

export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Request Entity Too Large'],
};

/**
 * The server's `clientError` handler: what Node answers on its own to a request it cannot parse
 * (oversized headers: a bare 431 with no body), but as a JSON body like API Gateway's errors, then
 * the connection is closed. Install with `server.on('clientError', answerClientError)`.
 */
export const answerClientError = (error: Error & { code?: string }, socket: Duplex): void => {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  // Drop whatever the client still sends, and do not keep a half-closed socket forever.
  socket.resume();
  setTimeout(() => socket.destroy(), 5000).unref();
};

export const writeResult = (response: ServerResponse, result: HttpResult): void => {
  const headers: Record<string, string | string[]> = { ...result.headers };
  if (result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  headers['content-length'] = String(result.body.length);
  response.writeHead(result.statusCode, headers);
  response.end(result.body);
};

export const writeJson = (
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): void =>
  writeResult(response, {
    statusCode,
    headers: { 'content-type': 'application/json', ...extraHeaders },
    cookies: [],
    body: Buffer.from(JSON.stringify(body)),
  });
