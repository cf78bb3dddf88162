import type { TestProject } from 'vitest/node';
import { type RunningEmulator, startDynamoDbLocal, startSqsEmulator } from '#infra/local/emulators.ts';

/**
 * Starts DynamoDB Local and fauxqs once for the whole run, and stops them afterwards, also when
 * tests fail or the run is interrupted. Tests reach them through `inject('dynamoEndpoint')` etc.,
 * and provision their own stage (test/support/stack.ts) so files never share queues.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let dynamo: RunningEmulator | undefined;
  let sqs: RunningEmulator | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([dynamo?.stop(), sqs?.stop()]);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    void stopAll().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    [dynamo, sqs] = await Promise.all([startDynamoDbLocal(), startSqsEmulator()]);
  } catch (error) {
    await stopAll();
    throw error;
  }
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  };
}
