import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  accountId,
  type CommandSpec,
  expectPositionals,
  json,
  sinceTime,
  str,
  wholeNumber,
  withTarget,
} from '#cli/args.ts';
import { type Io, printRows } from '#cli/io.ts';
import { listRawEvents, type RawEventSummary, rawEventSummaryFields } from '#lib/store/raw-event.ts';
import type { StoreDeps } from '#lib/store/write.ts';

/**
 * `mhub events`: archived raw events, newest first (oldest first with `--since`). With `--account`
 * it is one index query; without, the table is scanned, which is fine locally and costs a full
 * read of the table on AWS (the CLI says so).
 */

export interface EventsOptions {
  accountId?: number | undefined;
  event?: string | undefined;
  since?: string | undefined;
  limit: number;
}

/** The table scan behind `mhub events` (no `--account`) and `mhub tail`. */
export const scanRawEvents = async (store: StoreDeps, options: EventsOptions): Promise<RawEventSummary[]> => {
  const found: RawEventSummary[] = [];
  let startKey: Record<string, never> | undefined;
  const names: Record<string, string> = { '#entity': 'entity' };
  const values: Record<string, { S: string }> = { ':entity': { S: 'raw_event' } };
  let filter = '#entity = :entity';
  if (options.event !== undefined) {
    filter += ' AND #event = :event';
    names['#event'] = 'event';
    values[':event'] = { S: options.event };
  }
  if (options.since !== undefined) {
    filter += ' AND #received >= :since';
    names['#received'] = 'received_at';
    values[':since'] = { S: options.since };
  }
  rawEventSummaryFields.forEach((field, index) => {
    names[`#f${index}`] = field;
  });
  do {
    const page = await store.dynamodb.send(
      new ScanCommand({
        TableName: store.tableName,
        FilterExpression: filter,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ProjectionExpression: rawEventSummaryFields.map((_, index) => `#f${index}`).join(', '),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) found.push(unmarshall(item) as RawEventSummary);
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey !== undefined);
  const ascending = options.since !== undefined;
  found.sort(
    (a, b) =>
      (ascending ? 1 : -1) * `${a.received_at}#${a.event_id}`.localeCompare(`${b.received_at}#${b.event_id}`),
  );
  return found.slice(0, options.limit);
};

export const listEvents = (store: StoreDeps, options: EventsOptions): Promise<RawEventSummary[]> =>
  options.accountId === undefined
    ? scanRawEvents(store, options)
    : listRawEvents(store, {
        accountId: options.accountId,
        limit: options.limit,
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.event === undefined ? {} : { event: options.event }),
      });

export const printEvents = (io: Io, events: RawEventSummary[], json: boolean): void => {
  printRows(io, events, {
    json,
    empty: 'no events',
    columns: [
      { header: 'RECEIVED AT', value: (e) => e.received_at },
      { header: 'ACCOUNT', value: (e) => e.account_id },
      { header: 'EVENT', value: (e) => e.event },
      { header: 'OUTCOME', value: (e) => e.outcome },
      { header: 'SOURCE', value: (e) => e.source },
      { header: 'EVENT ID', value: (e) => e.event_id, max: 80 },
    ],
  });
};

export const eventsCommand: CommandSpec = {
  usage: ['events [--account <id>] [--event <name>] [--since <iso|5m>] [--limit <n>]'],
  summary: 'archived raw events, newest first (oldest first with --since)',
  details:
    '  --account 0 holds events whose account could not be told. Without --account the table is scanned.',
  options: {
    account: { type: 'string' },
    event: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
  },
  run: async (values, positionals, io) => {
    expectPositionals(eventsCommand, positionals, 0);
    const options = {
      accountId:
        str(values, 'account') === undefined ? undefined : accountId('--account', str(values, 'account')),
      event: str(values, 'event'),
      since: sinceTime('--since', str(values, 'since')),
      limit: str(values, 'limit') === undefined ? 50 : wholeNumber('--limit', str(values, 'limit')),
    };
    if (options.accountId === undefined && str(values, 'stage') !== undefined)
      io.err('note: without --account the whole table is scanned\n');
    const events = await withTarget(values, io, (target) => listEvents(target.store, options));
    printEvents(io, events, json(values));
    return 0;
  },
};
