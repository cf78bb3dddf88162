import { deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import type { Envelope } from '#lib/events/envelope.ts';
import { accountPrefix, keys, sortKeys } from './keys.ts';
import { RAW_BODY_DICTIONARY_V1 } from './raw-dictionary.ts';
import { getItem, pick, queryItems } from './read.ts';
import { absent, type PutWrite, type StoreDeps, writtenOnce } from './write.ts';

/**
 * Raw event archive: every delivered event as received, one item per event id, expiring after the
 * configured TTL. DynamoDB bills writes per started KB, so bodies are stored compressed: deflated
 * with a preset dictionary of Chatwoot's keys (`body_zd1`, raw-dictionary.ts), which halves what
 * gzip leaves of a typical 2 KB body and keeps its item under 1 KB; bodies that stay too large for
 * one item even so are gzipped and split (`body_parts`). Items written before hold `body_gz` or
 * `body` and still read.
 *
 *   pk  EV#<event id>   sk  EVENT
 *   gsi1  A#<account>#EV#<shard>  /  <received ISO>#<event id>   (an account's events by time)
 *   gsi2  A#<account>#Q   /  <received ISO>#<event id>     (quarantined only)
 */

/** Bodies above this many UTF-8 bytes are stored compressed (below it the codec's few bytes of overhead can win). */
export const RAW_GZIP_THRESHOLD_BYTES = 128;

const deflateWithDictionary = (body: string): Buffer =>
  deflateRawSync(body, { dictionary: RAW_BODY_DICTIONARY_V1, level: 9 });

/**
 * A gzipped body above this is split over extra items (`BODY#<n>`) of this size: an item holds at
 * most 400 KB, and a quarantined event must keep its body whatever its size (SQS lets through up
 * to ~780 KB gzipped).
 */
export const MAX_BODY_PART_BYTES = 380_000;
const bodyPartSk = (n: number): string => `BODY#${String(n).padStart(3, '0')}`;

export type RawOutcome = 'handled' | 'archived' | 'quarantined';

export const rawEventKey = (eventId: string) => ({ pk: `EV#${eventId}`, sk: sortKeys.rawEvent });
/**
 * An account's events are spread over this many gsi1 partitions, by a hash of the event id: every
 * event of an account would otherwise land on one index key, and one partition takes at most 1,000
 * write units a second (docs/scaling.md: 1,000 webhooks/s for one account would throttle, and a
 * throttled index throttles the table's writes). Listings query every shard and merge by time.
 */
export const RAW_EVENT_INDEX_SHARDS = 8;

/** FNV-1a of the event id: stable, cheap, spread evenly over the shards. */
export const rawEventShard = (eventId: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i += 1) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % RAW_EVENT_INDEX_SHARDS;
};

const accountEventsPk = (accountId: number, shard: number): string =>
  `${accountPrefix(accountId)}#EV#${shard}`;
/** Where events were indexed before the shards (still read, so older events stay listed). */
const unshardedAccountEventsPk = (accountId: number): string => `${accountPrefix(accountId)}#EV`;
const accountQuarantinePk = (accountId: number): string => `${accountPrefix(accountId)}#Q`;

export interface RawEventInput {
  envelope: Envelope;
  /** The account the event is filed under (UNKNOWN_ACCOUNT_ID when none could be told). */
  accountId: number;
  outcome: RawOutcome;
  /** Readable validation issues (quarantine). */
  issues?: string;
  ttlDays: number;
  gzipThresholdBytes?: number;
  /**
   * Replace an item of this event that is not quarantined yet: a worker that failed
   * deterministically after its `handled` write landed turns that item into the quarantined one.
   */
  replaceUnlessQuarantined?: boolean;
}

/**
 * The archive writes: the event's item, plus one item per 380 KB of gzipped body beyond what fits
 * (rare: real bodies gzip to tens of KB). Written once per event id (a redelivery or replay is a
 * no-op).
 */
export const rawEventWrite = (input: RawEventInput): PutWrite[] => {
  const { envelope } = input;
  const bytes = Buffer.byteLength(envelope.rawBody, 'utf8');
  const compress = bytes > (input.gzipThresholdBytes ?? RAW_GZIP_THRESHOLD_BYTES);
  const deflated = compress ? deflateWithDictionary(envelope.rawBody) : null;
  const fitsOneItem = deflated !== null && deflated.length <= MAX_BODY_PART_BYTES;
  const compressed = compress && !fitsOneItem ? gzipSync(envelope.rawBody) : null;
  const parts: Buffer[] = [];
  if (compressed !== null && compressed.length > MAX_BODY_PART_BYTES)
    for (let at = 0; at < compressed.length; at += MAX_BODY_PART_BYTES)
      parts.push(compressed.subarray(at, at + MAX_BODY_PART_BYTES));
  const expiresAt = Math.floor(Date.parse(envelope.receivedAt) / 1000) + input.ttlDays * 86_400;
  const sort = `${envelope.receivedAt}#${envelope.eventId}`;
  const item: PutWrite['item'] = {
    ...rawEventKey(envelope.eventId),
    entity: 'raw_event',
    event_id: envelope.eventId,
    event: envelope.event,
    source: envelope.source,
    account_id: input.accountId,
    received_at: envelope.receivedAt,
    sender_timestamp: envelope.senderTimestamp,
    outcome: input.outcome,
    issues: input.issues,
    // The request headers that matter (never the signature), as JSON text: `mhub event` shows them.
    ...(envelope.headers === undefined ? {} : { headers: JSON.stringify(envelope.headers) }),
    body_bytes: bytes,
    ...(parts.length > 0
      ? { body_parts: parts.length }
      : fitsOneItem && deflated.length < bytes
        ? { body_zd1: deflated }
        : compressed !== null
          ? { body_gz: compressed }
          : { body: envelope.rawBody }),
    [keys.ttl]: expiresAt,
    [keys.gsi1.partition]: accountEventsPk(input.accountId, rawEventShard(envelope.eventId)),
    [keys.gsi1.sort]: sort,
  };
  if (input.outcome === 'quarantined') {
    item[keys.gsi2.partition] = accountQuarantinePk(input.accountId);
    item[keys.gsi2.sort] = sort;
  }
  const condition = input.replaceUnlessQuarantined
    ? {
        expression: 'attribute_not_exists(pk) OR #outcome <> :quarantined',
        names: { '#outcome': 'outcome' },
        values: { ':quarantined': 'quarantined' },
      }
    : absent;
  const partWrites = parts.map(
    (part, n): PutWrite => ({
      kind: 'put',
      entity: 'raw-event',
      item: {
        pk: item.pk,
        sk: bodyPartSk(n + 1),
        entity: 'raw_event_part',
        body_gz: part,
        [keys.ttl]: expiresAt,
      },
      condition: absent,
      guard: writtenOnce,
    }),
  );
  return [
    {
      kind: 'put',
      entity: 'raw-event',
      item,
      condition,
      ...(input.replaceUnlessQuarantined ? {} : { guard: writtenOnce }),
    },
    ...partWrites,
  ];
};

export interface RawEventSummary {
  event_id: string;
  event: string;
  source: string;
  account_id: number;
  received_at: string;
  sender_timestamp: string | null;
  outcome: RawOutcome;
}

export interface RawEvent extends RawEventSummary {
  issues: string | null;
  /** Delivery id, sender timestamp, user agent, content type as received; null for events stored before they were kept. */
  headers: Record<string, string> | null;
  /** The raw body exactly as received (decompressed, its parts joined); '' only for items from before parts (`body_omitted`). */
  body: string;
  body_omitted: boolean;
  /** Epoch seconds after which DynamoDB TTL removes it. */
  expires_at: number;
}

/** The attributes of a raw event's summary: what listings read (and project), never the body. */
export const rawEventSummaryFields = [
  'event_id',
  'event',
  'source',
  'account_id',
  'received_at',
  'sender_timestamp',
  'outcome',
] as const satisfies readonly (keyof RawEventSummary)[];

/** Get an archived event with its body. `GetItem pk=EV#<id> sk=EVENT`. */
export const getRawEvent = async (deps: StoreDeps, args: { eventId: string }): Promise<RawEvent | null> => {
  const item = await getItem(deps, rawEventKey(args.eventId));
  if (item === null) return null;
  let body: string;
  if (typeof item.body_parts === 'number' && item.body_parts > 0) {
    const parts = await queryItems(deps, {
      keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)',
      names: { '#pk': 'pk', '#sk': 'sk' },
      values: { ':pk': item.pk, ':prefix': 'BODY#' },
      consistent: true,
    });
    body = gunzipSync(Buffer.concat(parts.map((part) => part.body_gz as Uint8Array))).toString('utf8');
  } else if (item.body_zd1 instanceof Uint8Array)
    body = inflateRawSync(item.body_zd1, { dictionary: RAW_BODY_DICTIONARY_V1 }).toString('utf8');
  else
    body =
      item.body_gz instanceof Uint8Array
        ? gunzipSync(item.body_gz).toString('utf8')
        : String(item.body ?? '');
  return {
    ...(pick(item, rawEventSummaryFields) as unknown as RawEventSummary),
    issues: (item.issues as string | undefined) ?? null,
    headers: typeof item.headers === 'string' ? (JSON.parse(item.headers) as Record<string, string>) : null,
    body,
    body_omitted: item.body_omitted === true,
    expires_at: item[keys.ttl] as number,
  };
};

/** The envelope to re-enqueue an archived event with (`mhub replay`): same id, same bytes, same times. */
export const rawEventEnvelope = (raw: RawEvent): Envelope => ({
  eventId: raw.event_id,
  event: raw.event,
  source: raw.source,
  receivedAt: raw.received_at,
  senderTimestamp: raw.sender_timestamp,
  accountId: raw.account_id,
  rawBody: raw.body,
  ...(raw.issues === null ? {} : { validationIssues: raw.issues }),
  ...(raw.headers === null ? {} : { headers: raw.headers }),
});

export interface ListRawEventsArgs {
  accountId: number;
  /** ISO-8601: only events received at or after it. With it the list runs oldest first. */
  since?: string;
  /** Default 50. */
  limit?: number;
  /** Only this event name (a filter: pages are read until `limit` matches). */
  event?: string;
  /** Default: oldest first with `since`, newest first without. */
  order?: 'asc' | 'desc';
}

const listByTime = async (
  deps: StoreDeps,
  indexName: string,
  partition: string,
  pks: readonly string[],
  sortName: string,
  args: ListRawEventsArgs,
) => {
  const ascending = (args.order ?? (args.since === undefined ? 'desc' : 'asc')) === 'asc';
  const limit = args.limit ?? 50;
  const names: Record<string, string> = { '#pk': partition };
  let keyCondition = '#pk = :pk';
  const values: Record<string, unknown> = {};
  if (args.since !== undefined) {
    keyCondition += ' AND #sort >= :since';
    names['#sort'] = sortName;
    values[':since'] = args.since;
  }
  let filter: string | undefined;
  if (args.event !== undefined) {
    filter = '#event = :event';
    names['#event'] = 'event';
    values[':event'] = args.event;
  }
  // Each partition is read to `limit` matches in order; the first `limit` of their merge are the
  // first `limit` overall.
  const perPartition = await Promise.all(
    pks.map((pk) =>
      queryItems(deps, {
        indexName,
        keyCondition,
        names,
        values: { ...values, ':pk': pk },
        ascending,
        limit,
        ...(filter === undefined ? {} : { filter }),
      }),
    ),
  );
  const sortOf = (item: Record<string, unknown>): string => String(item[sortName] ?? '');
  const merged = perPartition
    .flat()
    .sort((a, b) => (sortOf(a) < sortOf(b) ? -1 : sortOf(a) > sortOf(b) ? 1 : 0) * (ascending ? 1 : -1))
    .slice(0, limit);
  return merged.map((item) => pick(item, rawEventSummaryFields) as unknown as RawEventSummary);
};

/**
 * An account's raw events by receive time, for inspection and replay: every gsi1 shard (and the
 * unsharded key of older items), merged. `Query gsi1 gsi1pk=A#a#EV#<shard> [AND gsi1sk >= :since]
 * [FILTER event = :event]` per shard.
 */
export const listRawEvents = (deps: StoreDeps, args: ListRawEventsArgs): Promise<RawEventSummary[]> =>
  listByTime(
    deps,
    keys.gsi1.indexName,
    keys.gsi1.partition,
    [
      unshardedAccountEventsPk(args.accountId),
      ...Array.from({ length: RAW_EVENT_INDEX_SHARDS }, (_, shard) => accountEventsPk(args.accountId, shard)),
    ],
    keys.gsi1.sort,
    args,
  );

/** An account's quarantined events by receive time. `Query gsi2 gsi2pk=A#a#Q [AND gsi2sk >= :since]`. */
export const listQuarantinedEvents = (deps: StoreDeps, args: ListRawEventsArgs): Promise<RawEventSummary[]> =>
  listByTime(
    deps,
    keys.gsi2.indexName,
    keys.gsi2.partition,
    [accountQuarantinePk(args.accountId)],
    keys.gsi2.sort,
    args,
  );
