import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * Where the time goes: a CPU profile of this process over one more (untimed) run, so that the
 * sampling profiler does not slow the measured ones.
 */
export const profileRun = async (profileDir: string, run: () => Promise<unknown>): Promise<void> => {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await run();
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(join(profileDir, 'pipeline.cpuprofile'), JSON.stringify(profile));
  session.disconnect();
};
