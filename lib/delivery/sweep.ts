import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULT_SWEEP_MAX_RECORDS } from '#contracts/limits.ts';
import { queueUrl } from '#contracts/naming.ts';
import { logger } from '#lib/observability.ts';
import {
  deleteSpillover,
  listSpillover,
  SPILLOVER_SHARDS,
  type SpilloverStore,
  type StoredSpillover,
} from '#lib/store/spillover.ts';
import type { RetryBudget } from './retry.ts';
import { deliverMessage, REDRIVE_RETRY_BUDGET, type SendMessage } from './send.ts';

export interface SweepDeps {
  store: SpilloverStore;
  sendMessage: SendMessage;
  queueUrlPrefix: string;
  /** Stop taking new pages after this many records (the next scheduled run continues). */
  maxRecords?: number;
  /** Returns true when the run must stop taking new pages (e.g. the Lambda is near its timeout). */
  shouldStop?: () => boolean;
  /** Per record; each attempt is aborted at its deadline. Default REDRIVE_RETRY_BUDGET. */
  retryBudget?: RetryBudget;
}

export interface SweepResult {
  moved: number;
  failed: number;
  /** Records left alone because their parts are missing: need an operator. */
  incomplete: number;
}

/**
 * Moves spillover records onto their route's queue, oldest first per shard, with the very body and
 * attributes the ingest built, then deletes each record, only after its send succeeded. A crash
 * between the two re-sends it next run: at-least-once, which the workers absorb (idempotent by
 * event id). A record that cannot be sent stays for the next run and counts as `failed`.
 */
export const sweepSpillover = async (deps: SweepDeps): Promise<SweepResult> => {
  const result: SweepResult = { moved: 0, failed: 0, incomplete: 0 };
  const maxRecords = deps.maxRecords ?? DEFAULT_SWEEP_MAX_RECORDS;
  let seen = 0;
  const moveOne = async (record: StoredSpillover & { incomplete: boolean }): Promise<void> => {
    const keys = {
      correlation_id: record.eventId,
      eventId: record.eventId,
      route: record.route,
      receivedAt: record.receivedAt,
    };
    if (record.incomplete) {
      result.incomplete++;
      logger.error('spillover record has missing parts; left in place', keys);
      return;
    }
    try {
      await deliverMessage(
        deps.sendMessage,
        queueUrl(deps.queueUrlPrefix, record.route),
        record.message,
        deps.retryBudget ?? REDRIVE_RETRY_BUDGET,
      );
    } catch (error) {
      result.failed++;
      logger.warn('spillover send failed; kept for the next run', { ...keys, error: errorName(error) });
      return;
    }
    try {
      await deleteSpillover(deps.store, record);
    } catch (error) {
      // Sent but not deleted: the next run sends it again, which the worker dedupes by event id.
      logger.warn('spillover delete failed after send', { ...keys, error: errorName(error) });
    }
    result.moved++;
    logger.info('spillover record moved to its queue', keys);
  };
  for (let shard = 0; shard < SPILLOVER_SHARDS; shard++) {
    let cursor: Record<string, AttributeValue> | undefined;
    do {
      if (seen >= maxRecords || deps.shouldStop?.() === true) return result;
      const page = await listSpillover(deps.store, shard, {
        cursor,
        limit: Math.min(25, maxRecords - seen),
      });
      seen += page.records.length;
      await Promise.all(page.records.map(moveOne));
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  return result;
};

const errorName = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
