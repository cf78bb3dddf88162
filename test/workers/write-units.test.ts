import { describe, expect, it } from 'vitest';
import { type HandledEventName, handledEventNames } from '#contracts/routes.ts';
import { handledPayload, largeMessagePayload } from '#fixtures/payloads.ts';
import { conversationStory } from '#fixtures/worker-story.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import { handledEventPreparer } from '#lib/workers/processors.ts';
import { freshStack } from '#test/support/stack.ts';
import { envelopeOf, freshTable } from './support.ts';

/**
 * DynamoDB write units per event type, as DynamoDB Local reports them (`ReturnConsumedCapacity:
 * 'TOTAL'`, which includes the GSI writes). Prints the table docs/data-model.md quotes, and holds
 * the plan to a budget so a change that multiplies writes fails here.
 *
 *   npx vitest run test/workers/write-units.test.ts   (the table is printed on stdout)
 */

interface Row {
  event: string;
  writeUnits: number;
  applied: number;
  superseded: number;
}

describe('write units per event type', () => {
  it('stays within budget, first sighting and along the story', async () => {
    const { dynamodb } = await freshStack();
    const measure = async (tableName: string, envelope: Envelope): Promise<Row> => {
      const prepare = handledEventPreparer(envelope.event as HandledEventName, {
        dynamodb,
        tableName,
        rawArchiveTtlDays: 30,
      });
      const result = await prepare(envelope).run();
      expect(result.outcome).toBe('applied');
      return {
        event: envelope.event,
        writeUnits: result.writeUnits,
        applied: result.writesApplied,
        superseded: result.writesSuperseded,
      };
    };

    // 1. Each event type alone on an empty table (every write lands): the worst case.
    const first: Row[] = [];
    for (const event of handledEventNames)
      first.push(await measure(await freshTable(dynamodb), envelopeOf(handledPayload(event))));
    first.push({
      ...(await measure(await freshTable(dynamodb), envelopeOf(largeMessagePayload()))),
      event: 'message_created (450 KB body)',
    });

    // 2. The story in order: what a steady conversation costs, averaged per type.
    const table = await freshTable(dynamodb);
    const along = new Map<string, Row[]>();
    for (const envelope of conversationStory()) {
      const row = await measure(table, envelope);
      along.set(row.event, [...(along.get(row.event) ?? []), row]);
    }
    const average = (rows: Row[], key: keyof Omit<Row, 'event'>) =>
      Math.round((rows.reduce((sum, row) => sum + row[key], 0) / rows.length) * 10) / 10;

    const lines = [
      '| event | WCU, first sighting | writes landed / superseded | WCU, story average | writes landed / superseded (avg) |',
      '|---|---|---|---|---|',
      ...first.map((row) => {
        const rows = along.get(row.event) ?? [];
        const story = rows.length === 0 ? '–' : String(average(rows, 'writeUnits'));
        const counts =
          rows.length === 0 ? '–' : `${average(rows, 'applied')} / ${average(rows, 'superseded')}`;
        return `| ${row.event} | ${row.writeUnits} | ${row.applied} / ${row.superseded} | ${story} | ${counts} |`;
      }),
    ];
    console.log(lines.join('\n'));

    for (const row of first) expect(row.writeUnits, row.event).toBeLessThanOrEqual(20);
    // A 450 KB body is archived gzipped: a few units, not ~450.
    expect(first.at(-1)!.writeUnits).toBeLessThan(40);
  }, 60_000);
});
