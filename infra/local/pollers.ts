import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RouteName } from '#contracts/routes.ts';
import { routeTuning, visibilityTimeoutSeconds } from '#infra/queues.ts';
import { LOCAL_REGION } from './clients.ts';
import { importWorkers } from './handlers.ts';
import { type Poller, type PollerStats, type SqsHandler, startPoller } from './poller.ts';
import type { ProvisionedQueue } from './provision.ts';

/**
 * One poller per queue that has a worker handler, each feeding SQS batches to the real worker like
 * Lambda's event source mapping, with the route's tuning from infra/queues.ts.
 */

export interface PollerTuning {
  /** Override every queue's visibility timeout (seconds) on receive. */
  visibilityTimeoutSeconds?: number | undefined;
  /** Override every worker's timeout (seconds). */
  workerTimeoutSeconds?: number | undefined;
  /** Pollers per queue. Default 2. */
  concurrency?: number | undefined;
  /** Long-poll wait of an empty receive, seconds. Default 20. */
  waitSeconds?: number | undefined;
}

export interface QueuePollers {
  /** Routes with no worker handler yet (their queues are not polled). */
  unpolledRoutes: RouteName[];
  stats(): Record<string, PollerStats>;
  /** Resolves when every main queue is empty and no batch is in flight, twice in a row. */
  waitForIdle(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops receiving and drains the batches in flight. */
  stop(): Promise<void>;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `pollers` is filled as each starts, so the caller can stop them when a later queue fails. */
export const startQueuePollers = async (
  sqs: SQSClient,
  queues: ProvisionedQueue[],
  tuning: PollerTuning,
  log: (line: string) => void,
  pollers = new Map<RouteName, Poller>(),
): Promise<QueuePollers> => {
  const unpolledRoutes: RouteName[] = [];
  const workers = await importWorkers();
  for (const queue of queues) {
    const worker = workers?.workerHandlerFor(queue.route) as SqsHandler | undefined;
    if (worker === undefined) {
      unpolledRoutes.push(queue.route);
      continue;
    }
    const arn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
    );
    const route = routeTuning(queue.route);
    pollers.set(
      queue.route,
      startPoller({
        sqs,
        queueUrl: queue.url,
        queueArn: arn.Attributes?.QueueArn ?? '',
        region: LOCAL_REGION,
        functionName: `worker-${queue.route}`,
        handler: worker,
        batchSize: route.batchSize,
        maximumBatchingWindowSeconds: route.maximumBatchingWindowSeconds,
        timeoutSeconds: tuning.workerTimeoutSeconds ?? route.workerTimeoutSeconds,
        visibilityTimeoutSeconds: tuning.visibilityTimeoutSeconds ?? visibilityTimeoutSeconds(queue.route),
        concurrency: tuning.concurrency ?? 2,
        waitTimeSeconds: tuning.waitSeconds ?? 20,
        onError: (message, error) => log(`${message}: ${describe(error)}`),
      }),
    );
  }

  const waitForIdle = async ({ timeoutMs = 30_000 } = {}): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let quietRounds = 0;
    while (Date.now() < deadline) {
      const depths = await Promise.all(
        queues.map(async (queue) => {
          const response = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queue.url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return (
            Number(response.Attributes?.ApproximateNumberOfMessages ?? 0) +
            Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
          );
        }),
      );
      const busy = [...pollers.values()].some((poller) => poller.stats.inFlight > 0);
      quietRounds = depths.every((depth) => depth === 0) && !busy ? quietRounds + 1 : 0;
      if (quietRounds >= 2) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the local stack did not go idle within ${timeoutMs} ms`);
  };

  return {
    unpolledRoutes,
    stats: () => Object.fromEntries([...pollers].map(([route, poller]) => [route, { ...poller.stats }])),
    waitForIdle,
    stop: async () => {
      await Promise.allSettled([...pollers.values()].map((poller) => poller.stop()));
    },
  };
};
