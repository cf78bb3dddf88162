import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDynamoDbRequest, signedSpilloverWriter } from '#functions/ingest/spillover-writer.ts';
import { encodeEnvelope } from '#lib/events/envelope.ts';
import { listSpillover, SPILLOVER_SHARDS, spilloverShard } from '#lib/store/spillover.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';

describe('SigV4 for the spillover write', () => {
  it('signs the headers DynamoDB checks, with the session token when there is one', async () => {
    const url = new URL('https://dynamodb.eu-west-1.amazonaws.com/');
    const body = '{"TableName":"t","Item":{"pk":{"S":"SPILLOVER#3"}}}';
    const now = new Date('2026-03-02T09:14:31.123Z');
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'FwoGZXIvYXdzEBYaDSESSION',
    };
    const headers = await signDynamoDbRequest(
      url,
      'DynamoDB_20120810.PutItem',
      body,
      'eu-west-1',
      credentials,
      now,
    );
    expect(headers['x-amz-date']).toBe('20260302T091431Z');
    expect(headers['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(headers.host).toBeUndefined();
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260302\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
  });
});

describe('signed spillover writer against DynamoDB Local', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await freshStack();
  });
  const writer = () =>
    signedSpilloverWriter({
      region: async () => 'us-east-1',
      credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
      endpoint: stack.dynamoEndpoint,
      tableName: stack.tableName,
    });
  const record = (eventId: string, rawBody: string) => {
    const receivedAt = '2026-03-02T09:14:31.000Z';
    return {
      route: 'archive' as const,
      eventId,
      receivedAt,
      message: encodeEnvelope({
        eventId,
        event: 'x',
        source: 'acme',
        receivedAt,
        senderTimestamp: null,
        accountId: null,
        rawBody,
      }),
    };
  };

  it('stores what the SDK reads back, single and multi-part, and a repeat is a duplicate', async () => {
    const small = record('evt-small', '{"event":"x","note":"\\u003c😀"}');
    const big = record(
      'evt-big',
      JSON.stringify({ event: 'x', blob: randomBytes(600_000).toString('base64') }),
    );
    expect(await writer()(small)).toBe('stored');
    expect(await writer()(big)).toBe('stored');
    expect(await writer()(small)).toBe('duplicate');
    expect(await writer()(big)).toBe('duplicate');
    for (const expected of [small, big]) {
      const { records } = await listSpillover(
        { dynamodb: stack.dynamodb, tableName: stack.tableName },
        spilloverShard(expected.eventId),
      );
      const found = records.find((r) => r.eventId === expected.eventId);
      expect(found?.incomplete).toBe(false);
      expect(found?.message).toEqual(expected.message);
    }
    const items = await stack.dynamodb.send(new ScanCommand({ TableName: stack.tableName }));
    expect(items.Items?.length).toBeGreaterThan(2);
    expect(SPILLOVER_SHARDS).toBe(8);
  });

  it('throws an SDK-shaped error the retry loop understands when the table is missing', async () => {
    const missing = signedSpilloverWriter({
      region: async () => 'us-east-1',
      credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
      endpoint: stack.dynamoEndpoint,
      tableName: 'no-such-table',
    });
    await expect(missing(record('evt-x', '{"event":"x"}'))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
