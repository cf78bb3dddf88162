import { randomUUID } from 'node:crypto';
import { LOCAL_REGION } from './clients.ts';
import type { ScheduledHandler } from './handlers.ts';
import { lambdaContext } from './http-adapter.ts';

/** The spillover sweeper on a timer, as EventBridge runs it on AWS; one sweep at a time. */

export interface SweeperTimer {
  /** Runs the sweeper once now (joins the sweep in progress, if any). */
  sweep(): Promise<void>;
  stop(): void;
}

/** The EventBridge scheduled event that triggers the sweeper on AWS. */
const scheduledEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: LOCAL_REGION,
  resources: [`arn:aws:events:${LOCAL_REGION}:000000000000:rule/spillover-sweeper`],
  detail: {},
});

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Without a sweeper handler, sweep() does nothing and no timer runs. */
export const startSweeperTimer = (
  sweeper: ScheduledHandler | undefined,
  intervalMs: number,
  log: (line: string) => void,
): SweeperTimer => {
  let sweeping: Promise<void> | undefined;
  const sweep = (): Promise<void> => {
    if (sweeper === undefined) return Promise.resolve();
    sweeping ??= (async () => {
      try {
        await sweeper(scheduledEvent(), lambdaContext('spillover-sweeper', 60));
      } catch (error) {
        log(`spillover-sweeper failed: ${describe(error)}`);
      } finally {
        sweeping = undefined;
      }
    })();
    return sweeping;
  };
  const timer = sweeper === undefined ? undefined : setInterval(() => void sweep(), intervalMs);
  timer?.unref();
  return { sweep, stop: () => clearInterval(timer) };
};
