import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chatwootJson, handledPayload } from '#fixtures/payloads.ts';
import { decodeEnvelope } from '#lib/events/envelope.ts';
import { signedHeaders } from '#lib/signing.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { apiGatewayEvent, drainQueue, SECRET, SOURCES_JSON } from './support.ts';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const loadHandler = async (env: Record<string, string>): Promise<Handler> => {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return (await import('#functions/ingest/handler.ts')).handler as Handler;
};

describe('functions/ingest/handler.ts end to end', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const env = () => ({
    QUEUE_URL_PREFIX: stack.queueUrlPrefix,
    TABLE_NAME: stack.tableName,
    WEBHOOK_SECRETS: SOURCES_JSON,
    AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
    // DynamoDB Local keeps one namespace per access key and region: use the test stack's.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  });

  it('takes an API Gateway v2 event to its queue and answers 202; 405 for GET', async () => {
    const handler = await loadHandler(env());
    const raw = chatwootJson(handledPayload('conversation_status_changed'));
    const delivery = randomUUID();
    const response = await handler(
      apiGatewayEvent('acme', raw, { ...signedHeaders(SECRET, raw), 'X-Chatwoot-Delivery': delivery }),
    );
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '')).toEqual({
      status: 'accepted',
      id: delivery,
      event: 'conversation_status_changed',
    });
    const [message] = await drainQueue(stack, 'conversation-status-changed');
    expect(decodeEnvelope(message?.Body ?? '', message?.MessageAttributes ?? {})).toMatchObject({
      eventId: delivery,
      rawBody: raw,
      accountId: 1,
    });
    const wrongMethod = await handler(apiGatewayEvent('acme', raw, signedHeaders(SECRET, raw), 'GET'));
    expect(wrongMethod.statusCode).toBe(405);
  });

  it('with SQS unreachable, the lazily loaded DynamoDB client stores the spillover and the answer is 202', async () => {
    const handler = await loadHandler({
      ...env(),
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1',
      SQS_RETRY_BUDGET_MS: '100',
    });
    const raw = chatwootJson(handledPayload('contact_created'));
    const response = await handler(apiGatewayEvent('acme', raw, signedHeaders(SECRET, raw)));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ status: 'accepted', spilled: true });
    const items = await stack.dynamodb.send(
      new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
    );
    expect(items.Items?.map((item) => item.route?.S)).toEqual(['contact-created']);
  });

  it('fails the cold start loudly on a broken configuration', async () => {
    await expect(loadHandler({ ...env(), WEBHOOK_SECRETS: '{"acme":' })).rejects.toThrow(/not valid JSON/);
    await expect(loadHandler({ ...env(), QUEUE_URL_PREFIX: '' })).rejects.toThrow(/QUEUE_URL_PREFIX/);
    await expect(loadHandler({ ...env(), WEBHOOK_SECRETS: '{"acme":{"token":"short"}}' })).rejects.toThrow(
      /at least 16/,
    );
  });
});
