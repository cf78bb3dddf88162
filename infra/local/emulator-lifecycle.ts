import { join } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { localDynamoDbClient, localPollingSqsClient } from './clients.ts';
import { type RunningEmulator, startDynamoDbLocal } from './emulators.ts';
import { startSqsEmulatorThread } from './fauxqs-thread.ts';
import type { HealthCheck } from './gateway.ts';
import { type ProvisionedStack, provisionStack } from './provision.ts';

/**
 * DynamoDB Local and fauxqs for one local stack: started together, the stage's table and queues
 * provisioned on them (from infra/), a health check over both, stopped together.
 */

export interface RunningEmulators {
  dynamo: RunningEmulator;
  sqsEmulator: RunningEmulator;
  /** The stack's own clients (the pollers', /health's, the CLI's through stack.json). */
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  /** Table and queues, every URL pointing at the emulator's address. */
  provisioned: ProvisionedStack;
  health: HealthCheck;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Starts both emulators (data under `dataDir`, or in memory). `started` receives each emulator as soon
 * as it runs, so the caller can stop it when a later step fails.
 */
export const startEmulators = async (
  { dataDir, inMemory, stage }: { dataDir: string; inMemory: boolean; stage: string },
  started: (emulator: RunningEmulator) => void,
): Promise<RunningEmulators> => {
  const [dynamo, sqsEmulator] = await Promise.all([
    startDynamoDbLocal(inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') }).then((emulator) => {
      started(emulator);
      return emulator;
    }),
    // fauxqs on its own thread: its HTTP server and queue work leave this event loop to the
    // ingest, the pollers and the workers.
    startSqsEmulatorThread(inMemory ? {} : { dataDir: join(dataDir, 'sqs') }).then((emulator) => {
      started(emulator);
      return emulator;
    }),
  ]);
  const dynamodb = localDynamoDbClient(dynamo.endpoint);
  const sqs = localPollingSqsClient(sqsEmulator.endpoint);
  // fauxqs names its queues `http://sqs.<region>.localhost:<port>/...`, and the SDK sends to a
  // QueueUrl's own host unless the client was built with an explicit endpoint (the functions'
  // clients take theirs from AWS_ENDPOINT_URL_SQS, which does not count). Not every resolver
  // knows `*.localhost`, so every URL handed out points at the emulator's address instead.
  const onEmulator = (url: string): string => `${sqsEmulator.endpoint}${new URL(url).pathname}`;
  const created = await provisionStack({ dynamodb, sqs }, stage);
  const provisioned = {
    ...created,
    queueUrlPrefix: onEmulator(created.queueUrlPrefix),
    queues: created.queues.map((queue) => ({
      ...queue,
      url: onEmulator(queue.url),
      deadLetterUrl: onEmulator(queue.deadLetterUrl),
    })),
  };
  const firstQueue = provisioned.queues[0]?.url ?? '';
  const health: HealthCheck = async () => {
    const [queue, store] = await Promise.allSettled([
      withTimeout(
        sqs.send(new GetQueueAttributesCommand({ QueueUrl: firstQueue, AttributeNames: ['QueueArn'] })),
        2000,
      ),
      withTimeout(dynamodb.send(new DescribeTableCommand({ TableName: provisioned.tableName })), 2000),
    ]);
    const ok = queue.status === 'fulfilled' && store.status === 'fulfilled';
    return {
      ok,
      body: {
        status: ok ? 'ok' : 'unavailable',
        queue: queue.status === 'fulfilled' ? 'ok' : describe(queue.reason),
        store: store.status === 'fulfilled' ? 'ok' : describe(store.reason),
      },
    };
  };
  return { dynamo, sqsEmulator, dynamodb, sqs, provisioned, health };
};
