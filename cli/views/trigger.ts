import type { TriggerResult } from '#cli/commands/trigger.ts';
import { type Io, outcomeColor, paint, printJson } from '#cli/io.ts';

/** How `mhub trigger` shows its result: a table for humans, or JSON. */

export const printTrigger = (io: Io, result: TriggerResult, json: boolean): void => {
  if (json) {
    printJson(io, {
      event: result.event,
      delivery_id: result.delivery_id,
      status: result.status,
      body: result.body,
      ms: result.ms,
    });
    return;
  }
  const body = result.body as { status?: string; id?: string };
  const outcome = typeof body === 'object' && body !== null ? (body.status ?? '') : String(body);
  io.out(
    `${result.event}: ${result.status} ${paint(io, outcomeColor(outcome), outcome)} in ${result.ms} ms, event id ${result.delivery_id}\n`,
  );
  if (result.status >= 200 && result.status < 300)
    io.out(`  read it back: npx mhub event ${result.delivery_id.slice(0, 8)}\n`);
  else io.out(`  ${JSON.stringify(result.body)}\n`);
};
