import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { type CommandSpec, expectPositionals, json, withTarget } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { printEvent } from '#cli/views/event.ts';
import { isHandledEventName, type RouteName, routeOfEvent } from '#contracts/routes.ts';
import { getRawEvent, type RawEvent } from '#lib/store/raw-event.ts';
import type { StoreDeps } from '#lib/store/write.ts';

/**
 * `mhub event <id-or-unique-prefix> [--json] [--raw]`: one archived event: its envelope, the
 * request headers kept with it, a quarantined event's validation issues, and its body.
 */

/** Shortest prefix taken: shorter ones match too much to be useful. */
export const MIN_PREFIX = 4;

/**
 * The full event id for an id or a unique prefix of one. A full id is one GetItem; a prefix needs
 * a scan of the raw events' keys (`begins_with(pk, "EV#<prefix>")`, keys only), fine locally and a
 * full read of the table on a stage (the caller says so).
 */
export const resolveEventId = async (store: StoreDeps, idOrPrefix: string): Promise<string> => {
  const wanted = idOrPrefix.trim();
  if (wanted.length < MIN_PREFIX)
    throw new CliError(`an event id prefix needs at least ${MIN_PREFIX} characters, got "${wanted}"`);
  if ((await getRawEvent(store, { eventId: wanted })) !== null) return wanted;
  const found: string[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await store.dynamodb.send(
      new ScanCommand({
        TableName: store.tableName,
        FilterExpression: 'begins_with(#pk, :prefix) AND #sk = :sk',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#id': 'event_id' },
        ExpressionAttributeValues: { ':prefix': { S: `EV#${wanted}` }, ':sk': { S: 'EVENT' } },
        ProjectionExpression: '#id',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) if (item.event_id?.S !== undefined) found.push(item.event_id.S);
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey !== undefined && found.length < 6);
  if (found.length === 0)
    throw new CliError(`no archived event id starts with ${wanted}: list them with \`mhub events\``);
  if (found.length > 1)
    throw new CliError(
      `${found.length > 5 ? 'more than 5' : found.length} event ids start with ${wanted} (${found
        .slice(0, 3)
        .map((id) => id.slice(0, wanted.length + 4))
        .join(', ')}…): give more characters`,
    );
  return found[0]!;
};

/** The route an archived event travelled on, from its outcome. */
export const routeOfRawEvent = (raw: Pick<RawEvent, 'event' | 'outcome'>): RouteName =>
  raw.outcome === 'quarantined'
    ? 'quarantine'
    : raw.outcome === 'archived' || !isHandledEventName(raw.event)
      ? 'archive'
      : routeOfEvent(raw.event);

export interface EventView {
  event_id: string;
  event: string;
  source: string;
  account_id: number;
  received_at: string;
  sender_timestamp: string | null;
  /** `X-Chatwoot-Delivery` when the sender set it (then it is the event id). */
  delivery_id: string | null;
  outcome: RawEvent['outcome'];
  route: RouteName;
  headers: Record<string, string> | null;
  /** The validation issues of a quarantined event, parsed when they are JSON. */
  issues: unknown;
  body_bytes: number;
  body_omitted: boolean;
  expires_at: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  body: unknown;
  raw_body: string;
}

const parsed = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export const eventView = (raw: RawEvent): EventView => ({
  event_id: raw.event_id,
  event: raw.event,
  source: raw.source,
  account_id: raw.account_id,
  received_at: raw.received_at,
  sender_timestamp: raw.sender_timestamp,
  delivery_id: raw.headers?.['x-chatwoot-delivery'] ?? null,
  outcome: raw.outcome,
  route: routeOfRawEvent(raw),
  headers: raw.headers,
  issues: parsed(raw.issues),
  body_bytes: Buffer.byteLength(raw.body, 'utf8'),
  body_omitted: raw.body_omitted,
  expires_at: new Date(raw.expires_at * 1000).toISOString(),
  body: raw.body === '' ? null : typeof parsed(raw.body) === 'string' ? null : parsed(raw.body),
  raw_body: raw.body,
});

export const showEvent = async (store: StoreDeps, idOrPrefix: string): Promise<EventView> => {
  const eventId = await resolveEventId(store, idOrPrefix);
  const raw = await getRawEvent(store, { eventId });
  if (raw === null) throw new CliError(`event ${eventId} is not in the archive (never received, or expired)`);
  return eventView(raw);
};

export const eventCommand: CommandSpec = {
  usage: ['event <id-or-unique-prefix> [--raw]'],
  summary: 'one archived event: envelope, headers, validation issues, body',
  details: '  Any unique prefix of at least 4 characters works. --raw prints the body exactly as received.',
  options: { raw: { type: 'boolean' } },
  run: async (values, positionals, io) => {
    const [id] = expectPositionals(eventCommand, positionals, 1);
    if (id!.trim().length < MIN_PREFIX)
      throw new CliError(`an event id prefix needs at least ${MIN_PREFIX} characters, got "${id!.trim()}"`);
    const view = await withTarget(values, io, (target) => {
      if (target.mode === 'stage' && id!.length < 64)
        io.err('note: an id prefix scans the table on a stage\n');
      return showEvent(target.store, id!);
    });
    printEvent(io, view, { json: json(values), raw: values.raw === true });
    return 0;
  },
};
