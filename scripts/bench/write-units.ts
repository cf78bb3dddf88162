import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type HandledEventName, handledEventNames } from '#contracts/routes.ts';
import { envelopeOf } from '#fixtures/envelopes.ts';
import { contactPayload, handledPayload } from '#fixtures/payloads.ts';
import { conversationStory } from '#fixtures/worker-story.ts';
import { localDynamoDbClient } from '#infra/local/clients.ts';
import { startDynamoDbLocal } from '#infra/local/emulators.ts';
import { provisionTable } from '#infra/local/provision.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import type { RecordPreparer } from '#lib/workers/batch.ts';
import { handledEventPreparer } from '#lib/workers/processors.ts';
import { itemSize, writeUnitsOf } from './item-size.ts';
import { median, round } from './stats.ts';

/**
 * DynamoDB write units per event, measured on DynamoDB Local through the workers' own write path
 * (`handledEventPreparer(...)(envelope).run()`: plan → lib/store/write.ts `executeWrites`). A
 * middleware on the client asks every PutItem/UpdateItem for `ReturnConsumedCapacity: 'INDEXES'`
 * (table and each GSI) and counts requests.
 *
 * Failed conditions, at their AWS price. DynamoDB Local reports no capacity for a write whose
 * ConditionExpression is false; AWS bills it. The rule applied, from the DynamoDB Developer Guide
 * ("Condition expressions" → capacity consumed by conditional writes; and "Capacity unit consumption
 * for write operations", docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 * a conditional write whose condition fails still consumes write capacity, by the size of the
 * *existing* item (1 unit per started KB), at least 1 unit, and touches no index. So each failed
 * condition is priced here by reading the stored item after the failure (outside the count) and
 * sizing it with DynamoDB's item-size rule (item-size.ts).
 *
 * The mix: one conversation's life in real shapes (fixtures/worker-story.ts: widget visit, contact,
 * conversation created/updated/status changes, incoming and outgoing messages, edit, delete,
 * receipts), plus the `contact_updated` that real senders fire after every incoming message
 * (../shared/docs/real-payloads.md), processed in order, one warm container per worker function
 * (each with its own memory of what is stored, lib/store/known-stored.ts; more containers at higher
 * rates remember less). Each event type is also measured alone on an empty table (first sighting).
 */

export interface EventWriteUnits {
  events: number;
  /** Mean per event of: write requests sent, that landed, whose condition failed. */
  requests: number;
  applied: number;
  failedConditions: number;
  /** Mean per event: units DynamoDB reported for the writes that landed (table + GSIs). */
  unitsApplied: number;
  tableUnits: number;
  indexUnits: number;
  /** Mean per event: the AWS price of the failed conditions (not reported by DynamoDB Local). */
  unitsFailedConditions: number;
  /** unitsApplied + unitsFailedConditions. */
  units: number;
  /** Write units by entity (lib/store write `entity`), mean per event. */
  unitsByEntity: Record<string, number>;
}

export interface WriteUnitsResult {
  target: number;
  medianPerEvent: number;
  meanPerEvent: number;
  pass: boolean;
  /** Along the mix (what a steady stream costs). */
  byEvent: Record<string, EventWriteUnits>;
  /** Each event type alone on an empty table (worst case). */
  firstSighting: Record<string, EventWriteUnits>;
  mix: Record<string, number>;
  /** Where the units go: mean units per webhook of the whole mix, by entity (the measured cause of a miss). */
  unitsByEntity: Record<string, number>;
  /** Mean UTF-8 bytes of a body in the mix (for the cost model's SQS and log sizes). */
  meanBodyBytes: number;
  failedConditionRule: string;
}

interface Tally {
  requests: number;
  applied: number;
  failedConditions: number;
  unitsApplied: number;
  tableUnits: number;
  indexUnits: number;
  unitsFailedConditions: number;
  unitsByEntity: Record<string, number>;
}

const emptyTally = (): Tally => ({
  requests: 0,
  applied: 0,
  failedConditions: 0,
  unitsApplied: 0,
  tableUnits: 0,
  indexUnits: 0,
  unitsFailedConditions: 0,
  unitsByEntity: {},
});

/** The item's `entity`, else (an UpdateItem) told by its sort key. */
const entityOf = (key: Record<string, AttributeValue> | undefined, item?: Record<string, AttributeValue>) => {
  if (item?.entity?.S !== undefined) return item.entity.S;
  const prefix = key?.sk?.S?.replace(/#.*$/, '') ?? '?';
  return prefix === 'M' ? 'message' : prefix;
};

/** A client whose Put/Update requests report INDEXES capacity into `tally` (swap it per event). */
const meteredClient = (endpoint: string) => {
  const client = localDynamoDbClient(endpoint);
  const reader = localDynamoDbClient(endpoint);
  const meter = { tally: emptyTally() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName;
      if (name !== 'PutItemCommand' && name !== 'UpdateItemCommand') return next(args);
      const input = args.input as {
        TableName: string;
        Item?: Record<string, AttributeValue>;
        Key?: Record<string, AttributeValue>;
        ReturnConsumedCapacity?: string;
      };
      input.ReturnConsumedCapacity = 'INDEXES';
      const tally = meter.tally;
      tally.requests += 1;
      const key = input.Key ?? { pk: input.Item!.pk!, sk: input.Item!.sk! };
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
        const total = consumed?.CapacityUnits ?? 0;
        const table = consumed?.Table?.CapacityUnits ?? total;
        tally.applied += 1;
        tally.unitsApplied += total;
        tally.tableUnits += table;
        tally.indexUnits += total - table;
        const entity = entityOf(key, input.Item);
        tally.unitsByEntity[entity] = (tally.unitsByEntity[entity] ?? 0) + total;
        return result;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          const stored = await reader.send(
            new GetItemCommand({ TableName: input.TableName, Key: key, ConsistentRead: true }),
          );
          const units = stored.Item === undefined ? 1 : writeUnitsOf(itemSize(stored.Item));
          tally.failedConditions += 1;
          tally.unitsFailedConditions += units;
          const entity = `${entityOf(key, stored.Item ?? input.Item)} (failed condition)`;
          tally.unitsByEntity[entity] = (tally.unitsByEntity[entity] ?? 0) + units;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'benchWriteUnitMeter' },
  );
  return { client, reader, meter };
};

const summarise = (tallies: Tally[]): EventWriteUnits => {
  const n = tallies.length;
  const mean = (pick: (t: Tally) => number) => round(tallies.reduce((sum, t) => sum + pick(t), 0) / n);
  const entities = new Set(tallies.flatMap((t) => Object.keys(t.unitsByEntity)));
  return {
    events: n,
    requests: mean((t) => t.requests),
    applied: mean((t) => t.applied),
    failedConditions: mean((t) => t.failedConditions),
    unitsApplied: mean((t) => t.unitsApplied),
    tableUnits: mean((t) => t.tableUnits),
    indexUnits: mean((t) => t.indexUnits),
    unitsFailedConditions: mean((t) => t.unitsFailedConditions),
    units: mean((t) => t.unitsApplied + t.unitsFailedConditions),
    unitsByEntity: Object.fromEntries(
      [...entities].sort().map((entity) => [entity, mean((t) => t.unitsByEntity[entity] ?? 0)]),
    ),
  };
};

/** The story, with the contact_updated real senders fire after each incoming message. */
export const realisticMix = (): Envelope[] => {
  const mix: Envelope[] = [];
  for (const envelope of conversationStory()) {
    mix.push(envelope);
    if (envelope.event === 'message_created' && envelope.rawBody.includes('"message_type":"incoming"'))
      mix.push(
        envelopeOf(contactPayload({ event: 'contact_updated' }), {
          eventId: `${envelope.eventId}-contact`,
          sentAt: Date.parse(envelope.receivedAt) / 1000,
        }),
      );
  }
  return mix;
};

export const WRITE_UNITS_TARGET = 3;

export const benchWriteUnits = async (): Promise<WriteUnitsResult> => {
  const dynamo = await startDynamoDbLocal();
  try {
    const { client, reader, meter } = meteredClient(dynamo.endpoint);
    const freshTable = async (): Promise<string> => {
      const name = `bench-wu-${randomBytes(4).toString('hex')}`;
      await provisionTable(reader, name);
      return name;
    };
    // One preparer per worker function and table, as one warm Lambda container per function holds one.
    const preparers = new Map<string, RecordPreparer>();
    const run = async (tableName: string, envelope: Envelope): Promise<Tally> => {
      meter.tally = emptyTally();
      const id = `${tableName}/${envelope.event}`;
      let prepare = preparers.get(id);
      if (prepare === undefined) {
        prepare = handledEventPreparer(envelope.event as HandledEventName, {
          dynamodb: client,
          tableName,
          rawArchiveTtlDays: 30,
        });
        preparers.set(id, prepare);
      }
      const result = await prepare(envelope).run();
      if (result.outcome !== 'applied') throw new Error(`${envelope.event}: ${result.outcome}`);
      return meter.tally;
    };

    const firstSighting: Record<string, EventWriteUnits> = {};
    for (const event of handledEventNames)
      firstSighting[event] = summarise([
        await run(await freshTable(), envelopeOf(handledPayload(event), { eventId: `first-${event}` })),
      ]);

    const table = await freshTable();
    const mixEnvelopes = realisticMix();
    const byType = new Map<string, Tally[]>();
    const all: Tally[] = [];
    for (const envelope of mixEnvelopes) {
      const tally = await run(table, envelope);
      all.push(tally);
      byType.set(envelope.event, [...(byType.get(envelope.event) ?? []), tally]);
    }
    const perEvent = all.map((t) => t.unitsApplied + t.unitsFailedConditions);
    const medianPerEvent = round(median(perEvent));
    return {
      target: WRITE_UNITS_TARGET,
      medianPerEvent,
      meanPerEvent: round(perEvent.reduce((a, b) => a + b, 0) / perEvent.length),
      pass: medianPerEvent <= WRITE_UNITS_TARGET,
      byEvent: Object.fromEntries([...byType].map(([event, tallies]) => [event, summarise(tallies)])),
      firstSighting,
      mix: Object.fromEntries([...byType].map(([event, tallies]) => [event, tallies.length])),
      unitsByEntity: Object.fromEntries(
        Object.entries(summarise(all).unitsByEntity).sort(([, a], [, b]) => b - a),
      ),
      meanBodyBytes: Math.round(
        mixEnvelopes.reduce((sum, e) => sum + Buffer.byteLength(e.rawBody, 'utf8'), 0) / mixEnvelopes.length,
      ),
      failedConditionRule:
        'a conditional write whose condition fails consumes write units by the size of the existing item (1 per started KB, at least 1; no index writes) — DynamoDB Developer Guide, condition expressions / read-write-operations; DynamoDB Local does not report it, so the bench reads the stored item and sizes it',
    };
  } finally {
    await dynamo.stop();
  }
};

/** The markdown section of bench/report.md. */
export const writeUnitsReport = (w: WriteUnitsResult): string[] => {
  const row = (event: string, u: EventWriteUnits) =>
    `| ${event} | ${u.events} | ${u.requests} | ${u.applied} / ${u.failedConditions} | ${u.unitsApplied} (table ${u.tableUnits}, GSI ${u.indexUnits}) | ${u.unitsFailedConditions} | **${u.units}** |`;
  const header = [
    '| event | events | write requests | landed / failed condition | units landed (DynamoDB Local, INDEXES) | units of failed conditions (AWS rule) | units per event |',
    '|---|---|---|---|---|---|---|',
  ];
  return [
    '## DynamoDB write units per event',
    '',
    `The workers' write path (plan → \`executeWrites\`) against DynamoDB Local, every PutItem/UpdateItem with \`ReturnConsumedCapacity: 'INDEXES'\`. Failed conditions priced by AWS's rule: ${w.failedConditionRule}.`,
    '',
    `Mix (in order, one warm container per worker function; mean body ${w.meanBodyBytes} bytes): ${Object.entries(
      w.mix,
    )
      .map(([event, count]) => `${count} ${event}`)
      .join(', ')}.`,
    '',
    `**Median ${w.medianPerEvent} write units per event (target ≤ ${w.target}: ${w.pass ? 'PASS' : 'FAIL'}), mean ${w.meanPerEvent}.**`,
    '',
    `Where the units go, mean per webhook over the mix: ${Object.entries(w.unitsByEntity)
      .map(([entity, units]) => `${entity} ${units}`)
      .join(
        ', ',
      )}. The raw archive item (1 unit + 1 for its index) is the floor of every event; the rest is the snapshot entities each event carries (conversation, contact, user, team, inbox, messages[]), rewritten whenever their version (event time) is newer, and duplicate snapshots of twin events handled by another worker function (failed conditions).`,
    '',
    'Along the mix, mean per event:',
    '',
    ...header,
    ...Object.entries(w.byEvent).map(([event, u]) => row(event, u)),
    '',
    'Each event type alone on an empty table (first sighting):',
    '',
    ...header,
    ...Object.entries(w.firstSighting).map(([event, u]) => row(event, u)),
    '',
    'Units by entity along the mix (mean per event of that type):',
    '',
    ...Object.entries(w.byEvent).map(
      ([event, u]) =>
        `- ${event}: ${Object.entries(u.unitsByEntity)
          .map(([entity, units]) => `${entity} ${units}`)
          .join(', ')}`,
    ),
    '',
  ];
};
