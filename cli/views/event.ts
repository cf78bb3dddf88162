import type { EventView } from '#cli/commands/event.ts';
import { type Io, keyValues, outcomeColor, paint, printJson } from '#cli/io.ts';

/** How `mhub event` shows its result: a table for humans, or JSON. */

/** Issues as `path: message` lines, whatever shape they were stored in. */
const issueLines = (issues: unknown): string[] => {
  if (issues === null || issues === undefined) return [];
  if (typeof issues === 'string') return [issues];
  if (Array.isArray(issues))
    return issues.map((issue) => {
      if (typeof issue === 'object' && issue !== null) {
        const { path, message, expected, received } = issue as Record<string, unknown>;
        const text = String(message ?? '');
        // valibot's messages usually say it already: add only what they leave out.
        const seen = [
          expected === undefined || expected === null || text.includes(String(expected))
            ? ''
            : `expected ${String(expected)}`,
          received === undefined || received === null || text.includes(String(received))
            ? ''
            : `received ${String(received)}`,
        ].filter((part) => part !== '');
        const extra = seen.length > 0 ? ` (${seen.join(', ')})` : '';
        return `${typeof path === 'string' ? path : JSON.stringify(path ?? '$')}: ${String(message ?? '')}${extra}`;
      }
      return String(issue);
    });
  return [JSON.stringify(issues)];
};

export const printEvent = (io: Io, view: EventView, mode: { json: boolean; raw: boolean }): void => {
  if (mode.raw) {
    io.out(view.raw_body);
    return;
  }
  if (mode.json) {
    const { raw_body: _raw, ...rest } = view;
    printJson(io, rest);
    return;
  }
  io.out(
    keyValues([
      ['event', view.event],
      ['event id', view.event_id],
      ['outcome', paint(io, outcomeColor(view.outcome), view.outcome)],
      ['route', view.route],
      ['source', view.source],
      ['account', view.account_id === 0 ? '0 (none in the payload or the source)' : view.account_id],
      ['received at', view.received_at],
      ['sender time', view.sender_timestamp ?? 'none (unsigned sender)'],
      ['delivery id', view.delivery_id ?? 'none (the event id is the SHA-256 of the body)'],
      ['expires at', view.expires_at],
    ]),
  );
  io.out('\nheaders\n');
  if (view.headers === null || Object.keys(view.headers).length === 0)
    io.out('  (not kept for events stored before headers were recorded)\n');
  else for (const [name, value] of Object.entries(view.headers)) io.out(`  ${name}: ${value}\n`);
  const issues = issueLines(view.issues);
  if (issues.length > 0) {
    io.out(`\nvalidation issues (${issues.length})\n`);
    for (const line of issues) io.out(`  ${line}\n`);
  }
  io.out(
    `\nbody (${view.body_bytes} bytes${view.body === null ? '' : ', pretty-printed; --raw for the exact bytes'})\n`,
  );
  if (view.body_omitted) io.out('  (too large to archive: not kept)\n');
  else io.out(`${view.body === null ? view.raw_body : JSON.stringify(view.body, null, 2)}\n`);
};
