import { randomUUID } from 'node:crypto';
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { queueUrl } from '#contracts/naming.ts';
import type { RouteName } from '#contracts/routes.ts';
import { sqsSendMessage } from '#lib/delivery/send.ts';
import type { IngestDeps, WebhookRequest } from '#lib/ingest/handle-webhook.ts';
import { payloadChecks } from '#lib/ingest/payload-checks.ts';
import { parseSources } from '#lib/ingest/sources.ts';
import { signBody } from '#lib/signing.ts';
import { putSpillover } from '#lib/store/spillover.ts';
import type { TestStack } from '#test/support/stack.ts';

export const SECRET = 'acme-current-secret';
export const OLD_SECRET = 'acme-previous-secret';
export const TOKEN = 'bots-url-token-0123456789';
export const SOURCES_JSON = JSON.stringify({
  acme: [SECRET, OLD_SECRET],
  bots: { token: TOKEN, accountId: 9 },
  legacy: { secrets: [SECRET], accountId: 5 },
});
export const sources = parseSources(SOURCES_JSON);
/** 2026-03-02T09:14:31Z, the fixtures' story time. */
export const NOW = new Date('2026-03-02T09:14:31.000Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export interface RequestOptions {
  source?: string;
  secret?: string | null;
  timestamp?: number;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  method?: string;
  base64?: boolean;
  contentType?: string | null;
}

/** A request as API Gateway v2 hands it over: signed with `secret` over the exact bytes by default. */
export const webhookRequest = (raw: string | Buffer, o: RequestOptions = {}): WebhookRequest => {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const timestamp = String(o.timestamp ?? NOW_SECONDS);
  const headers: Record<string, string> = {};
  if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
  if (o.secret !== null) {
    headers['x-chatwoot-timestamp'] = timestamp;
    headers['x-chatwoot-signature'] = signBody(o.secret ?? SECRET, timestamp, bytes);
  }
  return {
    method: o.method ?? 'POST',
    source: o.source ?? 'acme',
    headers: { ...headers, ...o.headers },
    query: o.query,
    body: o.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: o.base64 ?? false,
  };
};

/** Ingest deps wired to a fresh stack: real fauxqs queues and DynamoDB Local table. */
export const depsFor = (stack: TestStack, overrides: Partial<IngestDeps> = {}): IngestDeps => ({
  sources,
  queueUrlPrefix: stack.queueUrlPrefix,
  gzipThresholdBytes: 64 * 1024,
  maxBodyBytes: 4 * 1024 * 1024,
  sendMessage: sqsSendMessage(stack.sqs),
  putSpillover: (record, signal) =>
    putSpillover({ dynamodb: stack.dynamodb, tableName: stack.tableName }, record, signal),
  checks: payloadChecks,
  now: () => NOW,
  // DynamoDB Local's first writes after start-up are slow (JIT); timing is not what these tests check.
  spilloverTimeoutMs: 10_000,
  recordOutcome: () => {},
  ...overrides,
});

/** Every message currently on a route's queue (received with all attributes; left invisible). */
export const drainQueue = async (stack: TestStack, route: RouteName): Promise<Message[]> => {
  const messages: Message[] = [];
  for (;;) {
    const page = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl(stack.queueUrlPrefix, route),
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    if (!page.Messages || page.Messages.length === 0) return messages;
    messages.push(...page.Messages);
  }
};

export const parseBody = (response: { body: string }): Record<string, unknown> =>
  JSON.parse(response.body) as Record<string, unknown>;

/** The event API Gateway (HTTP API, payload v2) hands the ingest for `POST /webhooks/{source}`. */
export const apiGatewayEvent = (
  source: string,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'ANY /webhooks/{source}',
  rawPath: `/webhooks/${source}`,
  rawQueryString: '',
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  pathParameters: { source },
  requestContext: {
    accountId: '123456789012',
    apiId: 'api',
    domainName: 'example.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'example',
    http: {
      method,
      path: `/webhooks/${source}`,
      protocol: 'HTTP/1.1',
      sourceIp: '203.0.113.9',
      userAgent: 'Ruby',
    },
    requestId: randomUUID(),
    routeKey: 'ANY /webhooks/{source}',
    stage: '$default',
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
  },
  body,
  isBase64Encoded: false,
});
