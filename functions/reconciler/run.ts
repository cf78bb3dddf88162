import { metricNames } from '#contracts/metrics.ts';
import type { ApiConfig } from '#lib/reconcile/api-config.ts';
import type { ClientOptions } from '#lib/reconcile/client.ts';
import { type AccountRun, reconcile } from '#lib/reconcile/reconcile.ts';
import type { StoreDeps } from '#lib/store/write.ts';

/** The reconciler's side effects, passed in so tests give their own (Swarmion's `sideEffects` seam). */
export interface ReconcilerSideEffects {
  store: StoreDeps;
  apis: () => Promise<ReadonlyMap<string, ApiConfig>>;
  fetch: ClientOptions['fetch'];
  /** `Repaired` and friends, per source (Powertools metrics on AWS). */
  emit: (
    name: typeof metricNames.repaired | typeof metricNames.reconciledConversations,
    value: number,
    source: string,
  ) => void;
  remainingMs: () => number;
  now?: () => number;
}

/** Stop starting requests with this much of the Lambda timeout left. */
const SAFETY_MARGIN_MS = 15_000;

export const runReconciler = async (effects: ReconcilerSideEffects): Promise<AccountRun[]> => {
  const runs = await reconcile({
    store: effects.store,
    apis: await effects.apis(),
    fetch: effects.fetch,
    deadline: Date.now() + Math.max(0, effects.remainingMs() - SAFETY_MARGIN_MS),
    ...(effects.now === undefined ? {} : { now: effects.now }),
  });
  for (const run of runs) {
    effects.emit(metricNames.repaired, run.summary.repaired, run.source);
    effects.emit(metricNames.reconciledConversations, run.summary.conversations, run.source);
  }
  return runs;
};
