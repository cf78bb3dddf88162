import type { DlqEntry, PurgeResult, RedriveResult } from '#cli/commands/dlq.ts';
import { type Io, printJson, printRows, table } from '#cli/io.ts';

/** How `mhub dlq` shows its result: a table for humans, or JSON. */

export const printPurge = (io: Io, result: PurgeResult, json: boolean): void => {
  if (json) {
    printJson(io, result);
    return;
  }
  io.out(
    result.matched === 0
      ? `nothing to purge: no matching message in the ${result.queue} dead-letter queue\n`
      : `deleted ${result.deleted} of ${result.matched} message(s) from the ${result.queue} dead-letter queue\n`,
  );
};

export const printDeadLetters = (io: Io, entries: DlqEntry[], json: boolean): void => {
  printRows(io, entries, {
    json,
    empty: 'no messages in the dead-letter queues',
    columns: [
      { header: 'QUEUE', value: (e) => e.queue },
      { header: 'EVENT', value: (e) => e.event },
      { header: 'ACCOUNT', value: (e) => e.account_id },
      { header: 'RECEIVES', value: (e) => e.receive_count },
      { header: 'RECEIVED AT', value: (e) => e.received_at },
      { header: 'EVENT ID', value: (e) => e.event_id, max: 80 },
    ],
  });
};

export const printRedrive = (io: Io, results: RedriveResult[], json: boolean): void => {
  if (json) {
    printJson(io, results);
    return;
  }
  const moved = results.filter((result) => result.moved + result.failed > 0);
  if (moved.length === 0) {
    io.out('nothing to redrive: the dead-letter queues are empty\n');
    return;
  }
  io.out(
    table(moved, [
      { header: 'QUEUE', value: (r) => r.queue },
      { header: 'MOVED', value: (r) => r.moved },
      { header: 'FAILED', value: (r) => r.failed },
    ]),
  );
};
