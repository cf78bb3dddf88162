import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDynamoDbRequest, signedSpilloverWriter } from '../../functions/ingest/spillover-writer.ts';
import { encodeEnvelope } from '../../lib/events/envelope.ts';
import { listSpillover, SPILLOVER_SHARDS, spilloverShard } from '../../lib/spillover/store.ts';
import { freshStack, type TestStack } from '../support/stack.ts';

/** A node:crypto SHA-256 in the shape @smithy/signature-v4 takes (the SDK's own signer, as the oracle). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

describe('SigV4 for the spillover write', () => {
  it('signs exactly as the AWS SDK signer does, with and without a session token', async () => {
    const url = new URL('https://dynamodb.eu-west-1.amazonaws.com/');
    const body = '{"TableName":"t","Item":{"pk":{"S":"SPILLOVER#3"}}}';
    const now = new Date('2026-03-02T09:14:31.123Z');
    for (const sessionToken of [undefined, 'FwoGZXIvYXdzEBYaDSESSION']) {
      const credentials = {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        sessionToken,
      };
      const ours = signDynamoDbRequest(url, 'DynamoDB_20120810.PutItem', body, 'eu-west-1', credentials, now);
      const oracle = new SignatureV4({
        service: 'dynamodb',
        region: 'eu-west-1',
        credentials,
        sha256: NodeSha256 as never,
        applyChecksum: false,
      });
      const signed = await oracle.sign(
        {
          method: 'POST',
          protocol: 'https:',
          hostname: url.hostname,
          path: '/',
          query: {},
          headers: {
            host: url.host,
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.PutItem',
          },
          body,
        },
        { signingDate: now },
      );
      expect(ours.authorization).toBe(signed.headers.authorization);
      expect(ours['x-amz-date']).toBe(signed.headers['x-amz-date']);
      expect(ours['x-amz-security-token']).toBe(signed.headers['x-amz-security-token']);
    }
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
