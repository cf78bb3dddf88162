import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '#lib/events/envelope.ts';
import { listRawEvents, RAW_EVENT_INDEX_SHARDS, rawEventShard, rawEventWrite } from '#lib/store/raw-event.ts';
import { executeWrites } from '#lib/store/write.ts';
import { freshStack } from '#test/support/stack.ts';
import { freshTable } from '#test/workers/support.ts';

/**
 * An account's raw events are indexed over several gsi1 keys (docs/scaling.md, partition heat);
 * `mhub events`, `tail` and `replay` read them through listRawEvents, which must still see every
 * event, in time order, across shards and the unsharded key of older items.
 */
const envelope = (n: number): Envelope => ({
  eventId: `shard-ev-${String(n).padStart(3, '0')}`,
  event: n % 5 === 0 ? 'contact_updated' : 'message_created',
  source: 'acme',
  receivedAt: new Date(Date.UTC(2026, 2, 2, 9, 0, n)).toISOString(),
  senderTimestamp: null,
  accountId: 1,
  rawBody: `{"event":"message_created","n":${n}}`,
});

describe('raw event index shards', () => {
  it('spreads one account over the shards, and lists across them in order, with since, filter and limit', async () => {
    const { dynamodb } = await freshStack();
    const deps = { dynamodb, tableName: await freshTable(dynamodb) };
    const envelopes = Array.from({ length: 40 }, (_, n) => envelope(n + 1));
    const shards = new Set(envelopes.map((e) => rawEventShard(e.eventId)));
    expect(shards.size).toBeGreaterThan(RAW_EVENT_INDEX_SHARDS / 2);
    const writes = envelopes.flatMap((e) =>
      rawEventWrite({ envelope: e, accountId: 1, outcome: 'handled', ttlDays: 7 }),
    );
    expect(new Set(writes.map((w) => w.item.gsi1pk)).size).toBe(shards.size);
    await executeWrites(deps, writes);
    // An item indexed before the shards existed (gsi1pk A#1#EV) is still listed.
    const legacy = rawEventWrite({
      envelope: envelope(41),
      accountId: 1,
      outcome: 'handled',
      ttlDays: 7,
    })[0]!;
    await dynamodb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: marshall({ ...legacy.item, gsi1pk: 'A#1#EV' }, { removeUndefinedValues: true }),
      }),
    );
    const ids = (list: { event_id: string }[]) => list.map((e) => e.event_id);
    const all = [...envelopes, envelope(41)].map((e) => e.eventId);

    expect(ids(await listRawEvents(deps, { accountId: 1, limit: 100 }))).toEqual([...all].reverse());
    expect(ids(await listRawEvents(deps, { accountId: 1, limit: 5 }))).toEqual(
      [...all].reverse().slice(0, 5),
    );
    expect(
      ids(await listRawEvents(deps, { accountId: 1, since: envelope(30).receivedAt, limit: 4 })),
    ).toEqual(all.slice(29, 33));
    expect(ids(await listRawEvents(deps, { accountId: 1, event: 'contact_updated', limit: 3 }))).toEqual([
      'shard-ev-040',
      'shard-ev-035',
      'shard-ev-030',
    ]);
  }, 60_000);
});
