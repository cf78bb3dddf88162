import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { keys } from '../../infra/table.ts';
import type { RouteName } from '../events/catalog.ts';
import type { BodyEncoding, EncodedMessage, OutgoingAttributes } from '../events/envelope.ts';

/**
 * The spillover: where the ingest parks an accepted event when SQS refuses it, until the sweeper
 * moves it onto its queue. One record per event in the single table:
 *
 * - head item: pk `SPILLOVER#<shard>`, sk `<receivedAt>#<eventId>`, with the route, the encoding, the
 *   message attributes (JSON) and the body bytes. Eight shards spread a long SQS outage over eight
 *   partitions; sk order makes the sweeper move the oldest events first.
 * - a body over one item's room (DynamoDB items stop at 400 KB, SQS messages at 1 MiB) is cut into
 *   parts: the head holds part 0, part items pk `SPILLOVER#<receivedAt>#<eventId>`, sk `part#<n>` hold
 *   the rest, and head and parts are written (and deleted) in one transaction: never half-stored.
 *
 * Gzipped bodies are stored as their gzip bytes (binary), not as base64 text, so large bodies stay
 * compressed and a quarter smaller. Writes are conditional, so a repeated put never double-writes.
 */
export const SPILLOVER_SHARDS = 8;
const HEAD_PREFIX = 'SPILLOVER#';
const PART_PREFIX = 'SPILLOVER#';
/** Body bytes per item: leaves room under DynamoDB's 400 KB for keys and attributes (≤ 64 KB). */
export const SPILLOVER_PART_BYTES = 300 * 1024;

export interface SpilloverRecord {
  route: RouteName;
  eventId: string;
  receivedAt: string;
  message: EncodedMessage;
}

export interface StoredSpillover extends SpilloverRecord {
  /** The head item's key, for deletion. */
  shard: number;
  parts: number;
}

export interface SpilloverStore {
  dynamodb: DynamoDBClient;
  tableName: string;
}

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

export const spilloverShard = (eventId: string): number => fnv1a(eventId) % SPILLOVER_SHARDS;
export const spilloverPartition = (shard: number): string => `${HEAD_PREFIX}${shard}`;
export const spilloverSortKey = (receivedAt: string, eventId: string): string => `${receivedAt}#${eventId}`;
const partPartition = (receivedAt: string, eventId: string): string =>
  `${PART_PREFIX}${receivedAt}#${eventId}`;
const partSortKey = (index: number): string => `part#${String(index).padStart(3, '0')}`;

const bodyBytes = (message: EncodedMessage): Buffer =>
  message.encoding === 'gzip+base64'
    ? Buffer.from(message.body, 'base64')
    : Buffer.from(message.body, 'utf8');

const bodyText = (bytes: Buffer, encoding: BodyEncoding): string =>
  encoding === 'gzip+base64' ? bytes.toString('base64') : bytes.toString('utf8');

const chunk = (bytes: Buffer): Buffer[] => {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += SPILLOVER_PART_BYTES)
    parts.push(bytes.subarray(offset, offset + SPILLOVER_PART_BYTES));
  return parts.length === 0 ? [Buffer.alloc(0)] : parts;
};

const notExists = `attribute_not_exists(${keys.partition})`;

const isConditionalFailure = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name === 'ConditionalCheckFailedException') return true;
  return (
    e?.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
};

/**
 * Stores a record durably. Resolves `stored`, or `duplicate` when the very same record (same
 * receive time and event id) is already there. Throws on any storage failure; then nothing is stored.
 */
export const putSpillover = async (
  store: SpilloverStore,
  record: SpilloverRecord,
  signal?: AbortSignal,
): Promise<'stored' | 'duplicate'> => {
  const parts = chunk(bodyBytes(record.message));
  const shard = spilloverShard(record.eventId);
  const head: Record<string, AttributeValue> = {
    [keys.partition]: { S: spilloverPartition(shard) },
    [keys.sort]: { S: spilloverSortKey(record.receivedAt, record.eventId) },
    route: { S: record.route },
    eventId: { S: record.eventId },
    receivedAt: { S: record.receivedAt },
    encoding: { S: record.message.encoding },
    attributes: { S: JSON.stringify(record.message.attributes) },
    parts: { N: String(parts.length) },
    body: { B: parts[0] as Buffer },
  };
  try {
    if (parts.length === 1) {
      await store.dynamodb.send(
        new PutItemCommand({ TableName: store.tableName, Item: head, ConditionExpression: notExists }),
        { abortSignal: signal },
      );
    } else {
      const pk = partPartition(record.receivedAt, record.eventId);
      await store.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: store.tableName, Item: head, ConditionExpression: notExists } },
            ...parts.slice(1).map((part, index) => ({
              Put: {
                TableName: store.tableName,
                Item: {
                  [keys.partition]: { S: pk },
                  [keys.sort]: { S: partSortKey(index + 1) },
                  body: { B: part },
                },
                ConditionExpression: notExists,
              },
            })),
          ],
        }),
        { abortSignal: signal },
      );
    }
    return 'stored';
  } catch (error) {
    if (isConditionalFailure(error)) return 'duplicate';
    throw error;
  }
};

const readHead = (
  item: Record<string, AttributeValue>,
  shard: number,
): StoredSpillover & { head: Buffer } => ({
  shard,
  route: item.route?.S as RouteName,
  eventId: item.eventId?.S ?? '',
  receivedAt: item.receivedAt?.S ?? '',
  parts: Number(item.parts?.N ?? '1'),
  head: Buffer.from(item.body?.B ?? new Uint8Array()),
  message: {
    body: '',
    encoding: (item.encoding?.S ?? 'identity') as BodyEncoding,
    attributes: JSON.parse(item.attributes?.S ?? '{}') as OutgoingAttributes,
  },
});

const readParts = async (store: SpilloverStore, head: StoredSpillover): Promise<Buffer[]> => {
  const parts: Buffer[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await store.dynamodb.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': keys.partition },
        ExpressionAttributeValues: { ':pk': { S: partPartition(head.receivedAt, head.eventId) } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) parts.push(Buffer.from(item.body?.B ?? new Uint8Array()));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return parts;
};

/**
 * One page of a shard's records, oldest first, bodies reassembled. `cursor` continues a shard.
 * A record whose parts are missing (never expected: parts are written in the head's transaction)
 * is returned with `incomplete: true` so the caller can leave it for an operator.
 */
export const listSpillover = async (
  store: SpilloverStore,
  shard: number,
  options: { limit?: number; cursor?: Record<string, AttributeValue> } = {},
): Promise<{
  records: (StoredSpillover & { incomplete: boolean })[];
  cursor: Record<string, AttributeValue> | undefined;
}> => {
  const page = await store.dynamodb.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': keys.partition },
      ExpressionAttributeValues: { ':pk': { S: spilloverPartition(shard) } },
      ConsistentRead: true,
      Limit: options.limit ?? 25,
      ExclusiveStartKey: options.cursor,
    }),
  );
  const records = await Promise.all(
    (page.Items ?? []).map(async (item) => {
      const { head, ...record } = readHead(item, shard);
      const rest = record.parts > 1 ? await readParts(store, record) : [];
      const incomplete = rest.length !== record.parts - 1;
      record.message.body = bodyText(Buffer.concat([head, ...rest]), record.message.encoding);
      return { ...record, incomplete };
    }),
  );
  return { records, cursor: page.LastEvaluatedKey };
};

/** Deletes a record (head and parts together). Deleting a record that is already gone is fine. */
export const deleteSpillover = async (store: SpilloverStore, record: StoredSpillover): Promise<void> => {
  const headKey = {
    [keys.partition]: { S: spilloverPartition(record.shard) },
    [keys.sort]: { S: spilloverSortKey(record.receivedAt, record.eventId) },
  };
  if (record.parts <= 1) {
    await store.dynamodb.send(new DeleteItemCommand({ TableName: store.tableName, Key: headKey }));
    return;
  }
  const pk = partPartition(record.receivedAt, record.eventId);
  await store.dynamodb.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        { Delete: { TableName: store.tableName, Key: headKey } },
        ...Array.from({ length: record.parts - 1 }, (_, index) => ({
          Delete: {
            TableName: store.tableName,
            Key: { [keys.partition]: { S: pk }, [keys.sort]: { S: partSortKey(index + 1) } },
          },
        })),
      ],
    }),
  );
};
