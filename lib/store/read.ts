import { type AttributeValue, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Key } from './keys.ts';
import type { StoreDeps } from './write.ts';

/** Small read helpers shared by the entity modules. */

export type Item = Record<string, unknown>;

export const getItem = async (deps: StoreDeps, key: Key, consistent = true): Promise<Item | null> => {
  const response = await deps.dynamodb.send(
    new GetItemCommand({ TableName: deps.tableName, Key: marshall(key), ConsistentRead: consistent }),
  );
  return response.Item === undefined ? null : unmarshall(response.Item);
};

export interface QuerySpec {
  indexName?: string;
  keyCondition: string;
  filter?: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  /** Newest (highest sort key) first when false. */
  ascending?: boolean;
  /** Stop once this many items (after the filter) are collected. */
  limit?: number;
  /** Strongly consistent read (base table only). */
  consistent?: boolean;
}

/** Runs a Query to the end (or to `limit` matching items), following LastEvaluatedKey. */
export const queryItems = async (deps: StoreDeps, spec: QuerySpec): Promise<Item[]> => {
  const items: Item[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const response = await deps.dynamodb.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: spec.indexName,
        KeyConditionExpression: spec.keyCondition,
        FilterExpression: spec.filter,
        ExpressionAttributeNames: spec.names,
        ExpressionAttributeValues: marshall(spec.values),
        ScanIndexForward: spec.ascending ?? true,
        ConsistentRead: spec.consistent,
        ExclusiveStartKey: startKey,
        // Without a filter, ask for no more than we need; with one, read pages and filter.
        Limit: spec.filter === undefined && spec.limit !== undefined ? spec.limit - items.length : undefined,
      }),
    );
    for (const raw of response.Items ?? []) {
      items.push(unmarshall(raw));
      if (spec.limit !== undefined && items.length >= spec.limit) return items;
    }
    startKey = response.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
};

/** Picks the named fields of an item, in that order, defaulting absent ones to null. */
export const pick = <K extends string>(item: Item, fields: readonly K[]): Record<K, unknown> =>
  Object.fromEntries(fields.map((field) => [field, item[field] ?? null])) as Record<K, unknown>;
