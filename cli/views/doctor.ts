import type { Check } from '#cli/commands/doctor.ts';
import { type Io, outcomeColor, paint, printJson } from '#cli/io.ts';

/** How `mhub doctor` shows its result: a table for humans, or JSON. */

export const printDoctor = (io: Io, checks: Check[], json: boolean): void => {
  if (json) {
    printJson(io, checks);
    return;
  }
  const width = Math.max(...checks.map((check) => check.check.length));
  for (const check of checks) {
    const mark = paint(
      io,
      outcomeColor(check.state === 'ok' ? 'ok' : check.state === 'fail' ? 'fail' : 'warn'),
      check.state.padEnd(4),
    );
    io.out(`${mark}  ${check.check.padEnd(width)}  ${check.detail}\n`);
    if (check.fix !== undefined && check.state !== 'ok')
      io.out(`${' '.repeat(6 + width)}  fix: ${check.fix}\n`);
  }
  const failed = checks.filter((check) => check.state === 'fail').length;
  io.out(failed === 0 ? '\nall checks pass\n' : `\n${failed} check(s) failed\n`);
};
