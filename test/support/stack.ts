import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { localDynamoDbClient, localSqsClient } from '#infra/local/clients.ts';
import { type ProvisionedStack, provisionStack } from '#infra/local/provision.ts';

export interface TestStack extends ProvisionedStack {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  dynamoEndpoint: string;
  sqsEndpoint: string;
}

/**
 * A fresh stage (its own table and queues) on the shared emulators, so test files running in
 * parallel never see each other's messages or items.
 */
export const freshStack = async (): Promise<TestStack> => {
  const dynamoEndpoint = inject('dynamoEndpoint');
  const sqsEndpoint = inject('sqsEndpoint');
  const dynamodb = localDynamoDbClient(dynamoEndpoint);
  const sqs = localSqsClient(sqsEndpoint);
  const stage = `t${randomBytes(4).toString('hex')}`;
  const provisioned = await provisionStack({ dynamodb, sqs }, stage);
  return { ...provisioned, dynamodb, sqs, dynamoEndpoint, sqsEndpoint };
};
