import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type HandledEventName,
  isHandledEventName,
  type RouteName,
  routeOfEvent,
} from '#contracts/routes.ts';
import { provisionTable } from '#infra/local/provision.ts';
import { type Envelope, encodeEnvelope } from '#lib/events/envelope.ts';
import { archiveWorker, eventWorker, quarantineWorker, type SqsHandler } from '#lib/workers/workers.ts';

/** Test helpers for the workers: envelopes, SQS events, fresh tables, full-table scans. */

export { type EnvelopeOptions, envelopeOf, iso } from '#fixtures/envelopes.ts';

let sequence = 0;

/** An SQS record as Lambda's event source mapping hands it over (message attributes in Lambda's casing). */
export const sqsRecordOf = (envelope: Envelope): SQSRecord => {
  const encoded = encodeEnvelope(envelope);
  sequence += 1;
  return {
    messageId: `msg-${sequence}-${envelope.eventId}`,
    receiptHandle: `rh-${sequence}`,
    body: encoded.body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.parse(envelope.receivedAt)),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.parse(envelope.receivedAt)),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(encoded.attributes).map(([name, value]) => [
        name,
        { stringValue: value.StringValue, dataType: value.DataType },
      ]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
    awsRegion: 'us-east-1',
  };
};

export const sqsEventOf = (records: SQSRecord[]): SQSEvent => ({ Records: records });

export const routeOf = (event: string): RouteName =>
  isHandledEventName(event) ? routeOfEvent(event) : 'archive';

/**
 * One handler per route for a given table, built the way functions/workers/<route>/handler.ts builds
 * them. Fixture times are in March 2026 and DynamoDB Local runs TTL sweeps: raw events kept 30 days
 * from then could vanish while a test reads them, so tests keep them a century by default.
 */
export const workersFor = (dynamodb: DynamoDBClient, tableName: string, rawArchiveTtlDays = 36_500) => {
  const setup = { dynamodb, tableName, rawArchiveTtlDays };
  const cache = new Map<string, SqsHandler>();
  return (route: RouteName): SqsHandler => {
    let handler = cache.get(route);
    if (handler === undefined) {
      handler =
        route === 'archive'
          ? archiveWorker(setup)
          : route === 'quarantine'
            ? quarantineWorker(setup)
            : eventWorker(route.replaceAll('-', '_') as HandledEventName, setup);
      cache.set(route, handler);
    }
    return handler;
  };
};

/** Delivers envelopes one by one to their route's worker; throws if any record failed. */
export const deliverAll = async (
  worker: (route: RouteName) => SqsHandler,
  envelopes: Envelope[],
): Promise<void> => {
  for (const envelope of envelopes) {
    const response = await worker(routeOf(envelope.event))(sqsEventOf([sqsRecordOf(envelope)]));
    if (response.batchItemFailures.length > 0) throw new Error(`record ${envelope.eventId} failed`);
  }
};

/** A new empty table on the shared DynamoDB Local, from the infra definition. */
export const freshTable = async (dynamodb: DynamoDBClient): Promise<string> => {
  const name = `t-${randomBytes(6).toString('hex')}`;
  await provisionTable(dynamodb, name);
  return name;
};

/** Every item of a table, unmarshalled, sorted by key: the "state" two runs are compared on. */
export const scanTable = async (
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  const keyOf = (item: Record<string, unknown>): string => `${item.pk}\u0000${item.sk}`;
  return items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
};
