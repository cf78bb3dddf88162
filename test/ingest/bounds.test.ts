import { randomUUID } from 'node:crypto';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chatwootJson, handledPayload } from '#fixtures/payloads.ts';
import { ANSWER_BOUND_MS } from '#lib/ingest/settings.ts';
import { signedHeaders } from '#lib/signing.ts';
import {
  awsErrorServer,
  dynamoDbErrors,
  type FaultServer,
  hungServer,
  resetServer,
  sqsErrors,
} from '#test/support/fault-servers.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { apiGatewayEvent, SECRET, SOURCES_JSON } from './support.ts';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The ingest's hard time bounds against real misbehaving sockets, through the real handler module:
 * functions/ingest/handler.ts with its own SQS client (functions/shared/sqs-client.ts) and its own
 * signed spillover writer, configured only by the environment, with the deployed default budgets.
 * Every case must answer within ANSWER_BOUND_MS (3.5 s); the sender gives up at 5 s.
 */
const MARGIN_MS = 250;
const timings: { case: string; status: number; ms: number }[] = [];

describe('ingest time bounds against hung, resetting and failing endpoints', () => {
  let stack: TestStack;
  const servers: FaultServer[] = [];
  const serve = async (server: Promise<FaultServer>): Promise<FaultServer> => {
    const started = await server;
    servers.push(started);
    return started;
  };

  beforeAll(async () => {
    stack = await freshStack();
    // DynamoDB Local's first writes after start-up are slow (JIT): warm it so the spillover's
    // budget measures the ingest, not the emulator's warm-up.
    for (let i = 0; i < 20; i++)
      await stack.dynamodb.send(
        new PutItemCommand({
          TableName: stack.tableName,
          Item: { pk: { S: `WARMUP#${i}` }, sk: { S: 'x' } },
        }),
      );
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    console.info(
      `ingest answer times (bound ${ANSWER_BOUND_MS} ms):\n${timings.map((t) => `  ${t.case}: ${t.status} in ${t.ms} ms`).join('\n')}`,
    );
  });

  const loadHandler = async (sqsEndpoint: string, dynamoEndpoint: string): Promise<Handler> => {
    for (const [name, value] of Object.entries({
      QUEUE_URL_PREFIX: stack.queueUrlPrefix,
      TABLE_NAME: stack.tableName,
      WEBHOOK_SECRETS: SOURCES_JSON,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    }))
      vi.stubEnv(name, value);
    vi.resetModules();
    return (await import('#functions/ingest/handler.ts')).handler as Handler;
  };

  const deliver = async (name: string, handler: Handler) => {
    const delivery = randomUUID();
    const raw = chatwootJson(handledPayload('message_created'));
    const event = apiGatewayEvent('acme', raw, {
      ...signedHeaders(SECRET, raw),
      'X-Chatwoot-Delivery': delivery,
    });
    const started = performance.now();
    const response = await handler(event);
    const ms = Math.round(performance.now() - started);
    timings.push({ case: name, status: response.statusCode ?? 0, ms });
    expect(ms, `${name} answered after ${ms} ms`).toBeLessThanOrEqual(ANSWER_BOUND_MS + MARGIN_MS);
    return { response, delivery, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
  };

  const spilledIds = async (): Promise<string[]> =>
    (
      (await stack.dynamodb.send(new ScanCommand({ TableName: stack.tableName, ConsistentRead: true })))
        .Items ?? []
    ).flatMap((item) => (item.eventId?.S === undefined ? [] : [item.eventId.S]));

  const sqsFaults: [string, () => Promise<FaultServer>][] = [
    ['SQS accepts and never answers', hungServer],
    ['SQS resets every connection', resetServer],
    ['SQS answers 500 InternalFailure', () => awsErrorServer(sqsErrors.internal)],
    ['SQS answers 403 RequestThrottled', () => awsErrorServer(sqsErrors.requestThrottled)],
    ['SQS answers 400 ThrottlingException', () => awsErrorServer(sqsErrors.throttling)],
  ];
  for (const [name, start] of sqsFaults)
    it(`${name}, spillover up: 202 spilled, within the bound`, async () => {
      const sqs = await serve(start());
      const handler = await loadHandler(sqs.url, stack.dynamoEndpoint);
      const { response, body, delivery } = await deliver(`${name}, spillover up`, handler);
      expect(response.statusCode, JSON.stringify(body)).toBe(202);
      expect(body).toMatchObject({ status: 'accepted', id: delivery, spilled: true });
      expect(await spilledIds()).toContain(delivery);
      expect(sqs.hits()).toBeGreaterThan(0);
    });

  it('SQS refuses connections, spillover up: 202 spilled, within the bound', async () => {
    const handler = await loadHandler('http://127.0.0.1:1', stack.dynamoEndpoint);
    const { response, delivery } = await deliver('SQS refuses connections, spillover up', handler);
    expect(response.statusCode).toBe(202);
    expect(await spilledIds()).toContain(delivery);
  });

  const spilloverFaults: [string, () => Promise<FaultServer>][] = [
    ['spillover accepts and never answers', hungServer],
    ['spillover resets every connection', resetServer],
    ['spillover answers 500 InternalServerError', () => awsErrorServer(dynamoDbErrors.internal)],
    [
      'spillover answers 400 ProvisionedThroughputExceededException',
      () => awsErrorServer(dynamoDbErrors.throughputExceeded),
    ],
  ];
  for (const [name, start] of spilloverFaults)
    it(`SQS hung and ${name}: 503 with Retry-After, within the bound, nothing stored`, async () => {
      const sqs = await serve(hungServer());
      const dynamo = await serve(start());
      const handler = await loadHandler(sqs.url, dynamo.url);
      const { response, body, delivery } = await deliver(`SQS hung, ${name}`, handler);
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toMatch(/^[0-9]+$/);
      expect(body).toMatchObject({ status: 'unavailable', id: delivery, error: { code: 'unavailable' } });
      expect(dynamo.hits()).toBeGreaterThan(0);
      expect(await spilledIds()).not.toContain(delivery);
    });
});
