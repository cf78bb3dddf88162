import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { isTransientError } from './errors.ts';
import type { Key } from './keys.ts';
import type { Guard, KnownStored } from './known-stored.ts';

/**
 * Writes as plain data: entity modules build them (pure, testable), `executeWrites` sends them.
 * Every write is a single-item conditional Put or Update: no transactions. Each one is idempotent
 * on its own (version guard, or `attribute_not_exists` for append-only facts), so a record that
 * fails half-way is completed by its redelivery and never leaves a wrong state behind.
 */
export interface StoreDeps {
  dynamodb: DynamoDBClient;
  tableName: string;
  /** This container's memory of what is stored: writes it knows cannot win are not sent (known-stored.ts). */
  knownStored?: KnownStored;
}

export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface PutWrite {
  kind: 'put';
  /** For logs and the write-unit report: `conversation`, `message`, `raw-event`… */
  entity: string;
  item: Key & Record<string, unknown>;
  condition?: Condition;
  /** The item's version, when version-guarded: lets the planner drop a superseded write to the same key. */
  version?: string;
  /** What the condition guards, when it only lets one-way moves through (known-stored.ts); `version` implies `v`. */
  guard?: Guard;
}

export interface UpdateWrite {
  kind: 'update';
  entity: string;
  key: Key;
  /** `SET #a = :a` */
  set: Record<string, unknown>;
  /** `SET #a = if_not_exists(#a, :a)`: fills an attribute only while it is absent. */
  setIfAbsent?: Record<string, unknown>;
  condition?: Condition;
  guard?: Guard;
}

export type Write = PutWrite | UpdateWrite;

export const writeKey = (write: Write): Key =>
  write.kind === 'put' ? { pk: write.item.pk, sk: write.item.sk } : write.key;

/** Guard: create the item, or replace it when the stored version is older. */
export const newerVersion = (version: string): Condition => ({
  expression: 'attribute_not_exists(#v) OR #v < :v',
  names: { '#v': 'v' },
  values: { ':v': version },
});

/** Guard for append-only facts: written once, a duplicate is a no-op. */
export const absent: Condition = { expression: 'attribute_not_exists(pk)' };
/** What `absent` guards. */
export const writtenOnce: Guard = { attribute: 'pk', value: '', wins: 'exists' };

const guardOf = (write: Write): Guard | undefined =>
  write.guard ??
  (write.kind === 'put' && write.version !== undefined
    ? { attribute: 'v', value: write.version, wins: 'higher' }
    : undefined);

const marshallOptions = { removeUndefinedValues: true, convertClassInstanceToMap: true } as const;

const toCommand = (tableName: string, write: Write): PutItemCommand | UpdateItemCommand => {
  const condition = write.condition;
  if (write.kind === 'put') {
    const hasValues = condition?.values !== undefined && Object.keys(condition.values).length > 0;
    return new PutItemCommand({
      TableName: tableName,
      Item: marshall(write.item, marshallOptions),
      ConditionExpression: condition?.expression,
      ExpressionAttributeNames: condition?.names,
      ExpressionAttributeValues: hasValues ? marshall(condition.values, marshallOptions) : undefined,
      ReturnConsumedCapacity: 'TOTAL',
    });
  }
  const names: Record<string, string> = { ...condition?.names };
  const values: Record<string, unknown> = { ...condition?.values };
  const clauses: string[] = [];
  let n = 0;
  const add = (attribute: string, value: unknown, ifAbsent: boolean): void => {
    const name = `#u${n}`;
    const placeholder = `:u${n}`;
    n += 1;
    names[name] = attribute;
    values[placeholder] = value;
    clauses.push(ifAbsent ? `${name} = if_not_exists(${name}, ${placeholder})` : `${name} = ${placeholder}`);
  };
  for (const [attribute, value] of Object.entries(write.set)) add(attribute, value, false);
  for (const [attribute, value] of Object.entries(write.setIfAbsent ?? {})) add(attribute, value, true);
  return new UpdateItemCommand({
    TableName: tableName,
    Key: marshall(write.key),
    UpdateExpression: `SET ${clauses.join(', ')}`,
    ConditionExpression: condition?.expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values, marshallOptions),
    ReturnConsumedCapacity: 'TOTAL',
  });
};

export interface WriteOutcome {
  /** Writes that changed the table. */
  applied: number;
  /** Guarded writes that found a newer (or the same) state already stored: no-ops. */
  superseded: number;
  /** Of those, the ones not even sent: this container knew the table already held a winner. */
  skipped: number;
  /** Capacity units DynamoDB reported for the applied writes. */
  writeUnits: number;
  /** Write units per entity, for the cost report. */
  unitsByEntity: Record<string, number>;
}

/**
 * Sends the writes concurrently (they touch different items, or are guarded against each other).
 * A failed condition is the guard doing its job, not an error. Any other error is rethrown after
 * every write has settled; a transient one first, so a record whose writes failed both ways is
 * retried (its redelivery meets the deterministic failure again, alone).
 */
export const executeWrites = async (deps: StoreDeps, writes: readonly Write[]): Promise<WriteOutcome> => {
  const outcome: WriteOutcome = { applied: 0, superseded: 0, skipped: 0, writeUnits: 0, unitsByEntity: {} };
  const known = deps.knownStored;
  const results = await Promise.allSettled(
    writes.map(async (write) => {
      const guard = guardOf(write);
      const key = guard === undefined || known === undefined ? undefined : writeKey(write);
      if (key !== undefined && known!.refuses(deps.tableName, key, guard!)) {
        outcome.superseded += 1;
        outcome.skipped += 1;
        return;
      }
      try {
        const command = toCommand(deps.tableName, write);
        const response =
          command instanceof PutItemCommand
            ? await deps.dynamodb.send(command)
            : await deps.dynamodb.send(command);
        const units = response.ConsumedCapacity?.CapacityUnits;
        outcome.applied += 1;
        outcome.writeUnits += units ?? 0;
        outcome.unitsByEntity[write.entity] = (outcome.unitsByEntity[write.entity] ?? 0) + (units ?? 0);
        if (key !== undefined) known!.record(deps.tableName, key, guard!);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        outcome.superseded += 1;
        if (key !== undefined) known!.record(deps.tableName, key, guard!);
      }
    }),
  );
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  const failure = failures.find((f) => isTransientError(f.reason)) ?? failures[0];
  if (failure !== undefined) throw failure.reason;
  return outcome;
};
