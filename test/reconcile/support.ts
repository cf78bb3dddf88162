import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiToken } from '#lib/reconcile/api-config.ts';
import { chatwootClient } from '#lib/reconcile/client.ts';
import { syncAccount } from '#lib/reconcile/sync.ts';
import type { ChatwootApiDouble } from '#test/doubles/chatwoot-api.ts';
import { scanTable } from '#test/workers/support.ts';

/** Helpers for the reconcile tests: a client on the double, and the state two paths are compared on. */

export const clientOn = (double: ChatwootApiDouble, accountId = 1) =>
  chatwootClient({
    config: { url: double.url, token: new ApiToken(double.token), accountId },
    fetch: (input, init) => fetch(input, init),
    baseBackoffMs: 5,
    requestTimeoutMs: 5_000,
  });

export const backfill = (double: ChatwootApiDouble, dynamodb: DynamoDBClient, tableName: string) =>
  syncAccount({ client: clientOn(double), store: { dynamodb, tableName }, accountId: 1, mode: 'backfill' });

const RAW = new Set(['raw-event', 'raw_event', 'raw_event_part']);
/** Version attributes: how a state was reached, not what it is. */
const VERSIONS = new Set(['v', 'cv', 'sv']);

/** The table as entity states keyed `pk|sk`: raw events and version attributes left out. */
export const stateOf = async (
  dynamodb: DynamoDBClient,
  tableName: string,
  entities?: ReadonlySet<string>,
) => {
  const state = new Map<string, Record<string, unknown>>();
  for (const item of await scanTable(dynamodb, tableName)) {
    if (RAW.has(item.entity as string)) continue;
    if (entities !== undefined && !entities.has(item.entity as string)) continue;
    state.set(
      `${item.pk}|${item.sk}`,
      Object.fromEntries(Object.entries(item).filter(([name]) => !VERSIONS.has(name))),
    );
  }
  return state;
};

/** The item kind of a `pk|sk` key: `CONV`, `M`, `CONTACT`… (the sort key before its first `#`). */
export const kindOf = (key: string): string => key.split('|')[1]!.split('#')[0]!;

/** The entities the Chatwoot API can know, compared with what the webhooks stored. */
export const API_ENTITIES = new Set(['conversation', 'message']);
/** The view's gaps: no contact_inbox; messages carry neither delivery status nor the time of an edit or delete. */
export const API_GAPS = new Set(['CONV.contact_inbox_id', 'M.status', 'M.updated_at']);

/**
 * What `actual` lost against `expected`: every attribute `expected` has with a non-null value must
 * be in `actual` with the same value (the state may gain fields, never lose one). `[]` when nothing.
 * `ignore` names `KIND.attribute` pairs (`M.status`).
 */
export const lostFields = (
  expected: Map<string, Record<string, unknown>>,
  actual: Map<string, Record<string, unknown>>,
  ignore: ReadonlySet<string> = new Set(),
): string[] => {
  const lost: string[] = [];
  for (const [key, item] of expected) {
    const other = actual.get(key);
    if (other === undefined) {
      lost.push(`${key}: missing`);
      continue;
    }
    for (const [name, value] of Object.entries(item)) {
      if (value === null || ignore.has(`${kindOf(key)}.${name}`)) continue;
      const a = JSON.stringify(
        other[name] instanceof Uint8Array
          ? Buffer.from(other[name] as Uint8Array).toString('base64')
          : other[name],
      );
      const e = JSON.stringify(value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value);
      if (a !== e) lost.push(`${key}.${name}: expected ${e?.slice(0, 400)} got ${a?.slice(0, 400)}`);
    }
  }
  return lost;
};
