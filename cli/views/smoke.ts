import type { SmokeResult } from '#cli/commands/smoke.ts';
import { type Io, outcomeColor, paint, printJson } from '#cli/io.ts';

/** How `mhub smoke` shows its result: a table for humans, or JSON. */

export const printSmoke = (io: Io, result: SmokeResult, json: boolean): void => {
  if (json) {
    printJson(io, result);
    return;
  }
  io.out(`sent      ${result.event} ${result.event_id}: ${result.status} in ${result.post_ms} ms\n`);
  if (result.stored_ms !== null) io.out(`stored    after ${result.stored_ms} ms (${result.outcome})\n`);
  if (result.read_ms !== null) io.out(`read back in ${result.read_ms} ms\n`);
  io.out(`${paint(io, outcomeColor(result.ok ? 'ok' : 'fail'), result.verdict)}\n`);
};
