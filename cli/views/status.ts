import type { StatusReport } from '#cli/commands/status.ts';
import { type Io, keyValues, printJson, table } from '#cli/io.ts';

/** How `mhub status` shows its result: a table for humans, or JSON. */

const age = (seconds: number | null): string => {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
};

export const printStatus = (io: Io, report: StatusReport, json: boolean): void => {
  if (json) {
    printJson(io, report);
    return;
  }
  io.out(
    keyValues([
      ['target', report.mode === 'local' ? 'local stack' : `stage ${report.stage} (${report.region})`],
      ['endpoint', report.endpoint ?? 'the stack output WebhookUrl (`mhub doctor --stage` prints it)'],
      ['table', report.table],
      [
        'spillover',
        report.spillover.records === 0
          ? 'empty'
          : `${report.spillover.records} record(s), oldest received ${report.spillover.oldest}`,
      ],
      [
        'last hour',
        report.last_hour.total === 0
          ? 'no events'
          : `${report.last_hour.total} event(s): ${Object.entries(report.last_hour.by_outcome)
              .map(([outcome, count]) => `${count} ${outcome}`)
              .join(', ')}`,
      ],
    ]),
  );
  io.out('\nsources\n');
  if ('error' in report.sources) io.out(`  cannot read them: ${report.sources.error}\n`);
  else
    io.out(
      table(report.sources, [
        { header: 'SOURCE', value: (s) => s.name },
        {
          header: 'AUTH',
          value: (s) =>
            s.auth
              .map((a) =>
                a === 'signature' ? `signature (${s.secrets} secret${s.secrets === 1 ? '' : 's'})` : a,
              )
              .join(' + '),
        },
        { header: 'ACCOUNT', value: (s) => s.account_id ?? 'from payload' },
      ]),
    );
  io.out('\nqueues\n');
  io.out(
    table(report.queues, [
      { header: 'QUEUE', value: (q) => q.queue },
      { header: 'VISIBLE', value: (q) => q.visible },
      { header: 'IN FLIGHT', value: (q) => q.in_flight },
      { header: 'DLQ', value: (q) => q.dlq },
      { header: 'DLQ OLDEST', value: (q) => age(q.dlq_oldest_age_s) },
    ]),
  );
};
