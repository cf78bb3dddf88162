import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueName, queueName, queueNamePrefix, tableName } from '#contracts/naming.ts';
import type { RouteName } from '#contracts/routes.ts';
import { allRoutes, deadLetterQueueAttributes, queueAttributes, routeTuning } from '#infra/queues.ts';
import { tableProperties } from '#infra/table.ts';

/**
 * Creates a stage's table and queues on the local emulators from the very definitions that
 * serverless.yml deploys (infra/table.ts, infra/queues.ts). Idempotent: safe on every start.
 */

const stringify = (attributes: Record<string, string | number | boolean>): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, String(value)]));

/** CloudFormation-only properties that CreateTable does not take (or that DynamoDB Local ignores). */
export const createTableInput = (name: string): CreateTableCommandInput => {
  const { TimeToLiveSpecification, PointInTimeRecoverySpecification, SSESpecification, ...createTable } =
    tableProperties;
  void TimeToLiveSpecification;
  void PointInTimeRecoverySpecification;
  void SSESpecification;
  return { TableName: name, ...createTable };
};

export const provisionTable = async (dynamodb: DynamoDBClient, name: string): Promise<void> => {
  try {
    await dynamodb.send(new CreateTableCommand(createTableInput(name)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: tableProperties.TimeToLiveSpecification,
    }),
  );
};

export interface ProvisionedQueue {
  route: RouteName;
  url: string;
  deadLetterUrl: string;
}

export const provisionQueues = async (sqs: SQSClient, stage: string): Promise<ProvisionedQueue[]> =>
  Promise.all(
    allRoutes.map(async (route) => {
      // SqsManagedSseEnabled is an AWS-side concern; the emulator does not need it.
      const { SqsManagedSseEnabled: _dlqSse, ...dlqAttributes } = deadLetterQueueAttributes();
      const dlq = await sqs.send(
        new CreateQueueCommand({
          QueueName: deadLetterQueueName(stage, route),
          Attributes: stringify(dlqAttributes),
        }),
      );
      const dlqArn = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const { SqsManagedSseEnabled: _sse, ...attributes } = queueAttributes(route);
      const main = await sqs.send(
        new CreateQueueCommand({
          QueueName: queueName(stage, route),
          Attributes: {
            ...stringify(attributes),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
              maxReceiveCount: routeTuning(route).maxReceiveCount,
            }),
          },
        }),
      );
      return { route, url: main.QueueUrl ?? '', deadLetterUrl: dlq.QueueUrl ?? '' };
    }),
  );

export interface ProvisionedStack {
  stage: string;
  tableName: string;
  /** `QUEUE_URL_PREFIX`: append a route name to get its queue URL. */
  queueUrlPrefix: string;
  queues: ProvisionedQueue[];
}

export const provisionStack = async (
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient },
  stage: string,
): Promise<ProvisionedStack> => {
  const [, queues] = await Promise.all([
    provisionTable(clients.dynamodb, tableName(stage)),
    provisionQueues(clients.sqs, stage),
  ]);
  const first = queues[0];
  if (first === undefined) throw new Error('no routes to provision');
  const queueUrlPrefix = first.url.slice(0, first.url.length - first.route.length);
  if (!queueUrlPrefix.endsWith(queueNamePrefix(stage))) throw new Error(`unexpected queue URL ${first.url}`);
  return { stage, tableName: tableName(stage), queueUrlPrefix, queues };
};
