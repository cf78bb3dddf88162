import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { HandledEventName } from '#contracts/routes.ts';
import { sqsWorker } from './batch.ts';
import { archivePreparer, handledEventPreparer, quarantinePreparer, type WorkerDeps } from './processors.ts';

/** What a worker handler is given: its DynamoDB client, table, raw-archive TTL and a clock. */
export interface WorkerSetup extends WorkerDeps {
  /** For the end-to-end latency metric (now − receivedAt). */
  now?: () => Date;
  /** Conversations processed at once within a batch. */
  concurrency?: number;
}

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

const options = (setup: WorkerSetup) => ({
  ...(setup.now === undefined ? {} : { now: setup.now }),
  ...(setup.concurrency === undefined ? {} : { concurrency: setup.concurrency }),
});

/** The worker of one handled event type. */
export const eventWorker = (event: HandledEventName, setup: WorkerSetup): SqsHandler =>
  sqsWorker(handledEventPreparer(event, setup), options(setup));

/** The worker of the archive route. */
export const archiveWorker = (setup: WorkerSetup): SqsHandler =>
  sqsWorker(archivePreparer(setup), options(setup));

/** The worker of the quarantine route. */
export const quarantineWorker = (setup: WorkerSetup): SqsHandler =>
  sqsWorker(quarantinePreparer(setup), options(setup));
