import { DEFAULT_SPILLOVER_TIMEOUT_MS } from '#contracts/limits.ts';
import type { SpilloverRecord } from '#lib/store/spillover-record.ts';
import { withDeadline } from './deadline.ts';
import { DEFAULT_SQS_RETRY_BUDGET, type RetryBudget } from './retry.ts';
import { deliverMessage, type SendMessage } from './send.ts';

/** Stores a spillover record; aborted (and abandoned) when `signal` fires at the spillover deadline. */
export type PutSpillover = (record: SpilloverRecord, signal: AbortSignal) => Promise<'stored' | 'duplicate'>;

export interface DeliverOrSpillDeps {
  sendMessage: SendMessage;
  putSpillover: PutSpillover;
  /** SQS attempts and back-offs; each attempt is aborted at its deadline. Default: the ingest's. */
  sqsRetryBudget?: RetryBudget | undefined;
  /** The spillover write's whole time, ms. */
  spilloverTimeoutMs?: number | undefined;
}

const QUEUED = Object.freeze({ spilled: false });
const SPILLED = Object.freeze({ spilled: true });

/**
 * The ingest's durable hand-off: the bounded SQS send (the one the sweeper, replay and redrive use
 * too) and, when SQS refuses within its budget, the spillover write under its own deadline.
 * Resolves `{ spilled }` once the event is durable in one of the two; throws the spillover's error
 * when both failed (then nothing may answer 2xx). `onSendFailed` sees the SQS error before the spill.
 */
export const deliverOrSpill = (
  queueUrl: string,
  record: SpilloverRecord,
  deps: DeliverOrSpillDeps,
  onSendFailed: (error: unknown) => void = () => {},
): Promise<{ spilled: boolean }> =>
  // Chained rather than async/await: this is the ingest's hot path, and each async frame costs a promise.
  deliverMessage(
    deps.sendMessage,
    queueUrl,
    record.message,
    deps.sqsRetryBudget ?? DEFAULT_SQS_RETRY_BUDGET,
  ).then(
    () => QUEUED,
    (sendError: unknown) => {
      onSendFailed(sendError);
      // Settled at the deadline even if the write ignores its signal: a hung DynamoDB must not hold
      // the answer. A write that lands after it is swept like any other (at least once, never half:
      // a multi-part record is one transaction).
      return withDeadline(
        deps.spilloverTimeoutMs ?? DEFAULT_SPILLOVER_TIMEOUT_MS,
        'spillover write',
        (signal) => deps.putSpillover(record, signal),
      ).then(() => SPILLED);
    },
  );
