import { SQS_MAX_MESSAGE_BYTES } from '#contracts/limits.ts';
import { type RouteName, routeNames } from '#contracts/routes.ts';

/**
 * Queue and event-source tuning, per route. serverless.yml (via infra/serverless.ts) deploys exactly
 * this, and the local stack's pollers read the same numbers, so local behaviour matches AWS.
 */
export interface RouteTuning {
  /** Worker Lambda timeout, seconds. */
  workerTimeoutSeconds: number;
  workerMemoryMb: number;
  /** SQS event source mapping. */
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: number;
}

const defaults: RouteTuning = {
  workerTimeoutSeconds: 30,
  workerMemoryMb: 512,
  batchSize: 10,
  maximumBatchingWindowSeconds: 1,
  maxReceiveCount: 5,
};

export const routeTuning = (route: RouteName): RouteTuning => {
  void route; // every route shares the defaults today; override per route here.
  return defaults;
};

/** AWS asks for a visibility timeout of at least six times the function timeout. */
export const visibilityTimeoutSeconds = (route: RouteName): number =>
  6 * routeTuning(route).workerTimeoutSeconds;

const FOURTEEN_DAYS = 14 * 24 * 3600;
const FOUR_DAYS = 4 * 24 * 3600;

/** Attributes of a route's main queue, as CreateQueue / CloudFormation take them (minus RedrivePolicy target). */
export const queueAttributes = (route: RouteName) => ({
  VisibilityTimeout: visibilityTimeoutSeconds(route),
  MessageRetentionPeriod: FOUR_DAYS,
  /** 1 MiB, the SQS maximum; the ingest gzips and refuses above it. */
  MaximumMessageSize: SQS_MAX_MESSAGE_BYTES,
  ReceiveMessageWaitTimeSeconds: 20,
  SqsManagedSseEnabled: true,
});

/** DLQ messages keep the longest retention SQS allows, so operators have time to redrive. */
export const deadLetterQueueAttributes = () => ({
  MessageRetentionPeriod: FOURTEEN_DAYS,
  MaximumMessageSize: SQS_MAX_MESSAGE_BYTES,
  SqsManagedSseEnabled: true,
});

export const allRoutes = routeNames;
