import { getWatermark, watermarkWrite } from '#lib/store/watermark.ts';
import { executeWrites, type StoreDeps } from '#lib/store/write.ts';
import type { ApiConfig } from './api-config.ts';
import { type ChatwootClient, type ClientOptions, chatwootClient } from './client.ts';
import { type SyncSummary, syncAccount } from './sync.ts';

/**
 * The scheduled repair: per account, from its stored watermark, list the conversations with activity
 * since then, compare each with the store (updated_at, last activity) and fetch and write only what
 * the store lacks (sync.ts, mode `repair`). Every repair means a webhook was lost, so the count is a
 * metric with an alarm (`Repaired`).
 *
 * The watermark moves to the time the run started, and only once the account's run finished: a
 * run cut short (time budget, API errors) is redone from the same point next time. The window
 * overlaps the previous one by `overlapMs`, for clock skew between Chatwoot and us and for the
 * webhook still in flight when the last run listed.
 */

export interface AccountRun {
  source: string;
  accountId: number;
  since: string;
  summary: SyncSummary;
}

export interface ReconcileOptions {
  store: StoreDeps;
  /** The sources with API access (lib/reconcile/api-config.ts). */
  apis: ReadonlyMap<string, ApiConfig>;
  fetch: ClientOptions['fetch'];
  now?: () => number;
  /** The whole run ends by then (epoch ms). */
  deadline: number;
  /** How far back the first run of an account looks. */
  firstLookbackMs?: number;
  overlapMs?: number;
  /** Builds the client (tests pass backoff and sleep); defaults to `chatwootClient`. */
  client?: (options: ClientOptions) => ChatwootClient;
}

export const reconcile = async (options: ReconcileOptions): Promise<AccountRun[]> => {
  const now = options.now ?? Date.now;
  const runs: AccountRun[] = [];
  for (const [source, config] of options.apis) {
    const startedAt = new Date(now()).toISOString();
    const watermark = await getWatermark(options.store, config.accountId);
    const since = new Date(
      watermark === null
        ? now() - (options.firstLookbackMs ?? 24 * 60 * 60 * 1000)
        : Date.parse(watermark) - (options.overlapMs ?? 10 * 60 * 1000),
    ).toISOString();
    const client = (options.client ?? chatwootClient)({
      config,
      fetch: options.fetch,
      deadline: options.deadline,
      now,
    });
    const summary = await syncAccount({
      client,
      store: options.store,
      accountId: config.accountId,
      mode: 'repair',
      since,
    });
    await executeWrites(options.store, [watermarkWrite(config.accountId, startedAt)]);
    runs.push({ source, accountId: config.accountId, since, summary });
  }
  return runs;
};
