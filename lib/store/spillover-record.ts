import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RouteName } from '#contracts/routes.ts';
import { keys } from '#contracts/table.ts';
import type { BodyEncoding, EncodedMessage } from '#lib/events/envelope.ts';

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
 *
 * This module only builds requests (no SDK runtime import), so the ingest can send them with the
 * small signed writer of its spillover path and the sweeper with the SDK.
 */
export const SPILLOVER_SHARDS = 8;
const PREFIX = 'SPILLOVER#';
/** Body bytes per item: leaves room under DynamoDB's 400 KB for keys and attributes (≤ 64 KB). */
export const SPILLOVER_PART_BYTES = 300 * 1024;

export interface SpilloverRecord {
  route: RouteName;
  eventId: string;
  receivedAt: string;
  message: EncodedMessage;
}

export type Item = Record<string, AttributeValue>;

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

export const spilloverShard = (eventId: string): number => fnv1a(eventId) % SPILLOVER_SHARDS;
export const spilloverPartition = (shard: number): string => `${PREFIX}${shard}`;
export const spilloverSortKey = (receivedAt: string, eventId: string): string => `${receivedAt}#${eventId}`;
export const partPartition = (receivedAt: string, eventId: string): string =>
  `${PREFIX}${receivedAt}#${eventId}`;
export const partSortKey = (index: number): string => `part#${String(index).padStart(3, '0')}`;

export const bodyBytes = (message: EncodedMessage): Buffer =>
  message.encoding === 'gzip+base64'
    ? Buffer.from(message.body, 'base64')
    : Buffer.from(message.body, 'utf8');

export const bodyText = (bytes: Buffer, encoding: BodyEncoding): string =>
  encoding === 'gzip+base64' ? bytes.toString('base64') : bytes.toString('utf8');

const chunk = (bytes: Buffer): Buffer[] => {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += SPILLOVER_PART_BYTES)
    parts.push(bytes.subarray(offset, offset + SPILLOVER_PART_BYTES));
  return parts.length === 0 ? [Buffer.alloc(0)] : parts;
};

const notExists = `attribute_not_exists(${keys.partition})`;

/** A DynamoDB write, as the low-level API takes it (SDK command input, or the JSON wire body). */
export type SpilloverWrite =
  | { operation: 'PutItem'; input: { TableName: string; Item: Item; ConditionExpression: string } }
  | {
      operation: 'TransactWriteItems';
      input: { TransactItems: { Put: { TableName: string; Item: Item; ConditionExpression: string } }[] };
    };

/** The one conditional write (a put, or a transaction when the body needs parts) that stores a record. */
export const spilloverWrite = (tableName: string, record: SpilloverRecord): SpilloverWrite => {
  const parts = chunk(bodyBytes(record.message));
  const head: Item = {
    [keys.partition]: { S: spilloverPartition(spilloverShard(record.eventId)) },
    [keys.sort]: { S: spilloverSortKey(record.receivedAt, record.eventId) },
    route: { S: record.route },
    eventId: { S: record.eventId },
    receivedAt: { S: record.receivedAt },
    encoding: { S: record.message.encoding },
    attributes: { S: JSON.stringify(record.message.attributes) },
    parts: { N: String(parts.length) },
    body: { B: parts[0] as Buffer },
  };
  if (parts.length === 1)
    return {
      operation: 'PutItem',
      input: { TableName: tableName, Item: head, ConditionExpression: notExists },
    };
  const pk = partPartition(record.receivedAt, record.eventId);
  return {
    operation: 'TransactWriteItems',
    input: {
      TransactItems: [
        { Put: { TableName: tableName, Item: head, ConditionExpression: notExists } },
        ...parts.slice(1).map((part, index) => ({
          Put: {
            TableName: tableName,
            Item: {
              [keys.partition]: { S: pk },
              [keys.sort]: { S: partSortKey(index + 1) },
              body: { B: part },
            },
            ConditionExpression: notExists,
          },
        })),
      ],
    },
  };
};

/** True when a write failed only because the very same record is already stored. */
export const isAlreadyStored = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] } | null;
  if (e?.name === 'ConditionalCheckFailedException') return true;
  return (
    e?.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
};
