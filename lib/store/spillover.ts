import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { RouteName } from '#contracts/routes.ts';
import { keys } from '#contracts/table.ts';
import type { BodyEncoding, OutgoingAttributes } from '#lib/events/envelope.ts';
import { queryItems } from './read.ts';
import {
  bodyText,
  isAlreadyStored,
  partPartition,
  partSortKey,
  type SpilloverRecord,
  spilloverPartition,
  spilloverSortKey,
  spilloverWrite,
} from './spillover-record.ts';

export {
  SPILLOVER_PART_BYTES,
  SPILLOVER_SHARDS,
  type SpilloverRecord,
  spilloverPartition,
  spilloverShard,
  spilloverSortKey,
} from './spillover-record.ts';

/**
 * The spillover entity's access patterns with the SDK (the sweeper, tests, tools): put, list a shard,
 * delete. Its key builders and the write request live in spillover-record.ts (no SDK runtime import,
 * so the ingest can send that one write with its small signed writer); see there for the layout.
 */
export interface StoredSpillover extends SpilloverRecord {
  /** The head item's key, for deletion. */
  shard: number;
  parts: number;
}

export interface SpilloverStore {
  dynamodb: DynamoDBClient;
  tableName: string;
}

/**
 * Stores a record durably. Resolves `stored`, or `duplicate` when the very same record (same
 * receive time and event id) is already there. Throws on any storage failure; then nothing is stored.
 */
export const putSpillover = async (
  store: SpilloverStore,
  record: SpilloverRecord,
  signal?: AbortSignal,
): Promise<'stored' | 'duplicate'> => {
  const write = spilloverWrite(store.tableName, record);
  try {
    if (write.operation === 'PutItem')
      await store.dynamodb.send(new PutItemCommand(write.input), { abortSignal: signal });
    else await store.dynamodb.send(new TransactWriteItemsCommand(write.input), { abortSignal: signal });
    return 'stored';
  } catch (error) {
    if (isAlreadyStored(error)) return 'duplicate';
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
  const items = await queryItems(store, {
    keyCondition: '#pk = :pk',
    names: { '#pk': keys.partition },
    values: { ':pk': partPartition(head.receivedAt, head.eventId) },
    consistent: true,
  });
  return items.map((item) => Buffer.from((item.body as Uint8Array | undefined) ?? new Uint8Array()));
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
