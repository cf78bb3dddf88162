import { Agent as HttpAgent } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Emulators accept any credentials; a fixed region keeps queue URLs predictable. */
export const LOCAL_REGION = 'us-east-1';
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const localDynamoDbClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });

export const localSqsClient = (endpoint: string): SQSClient =>
  new SQSClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });

/** The local stack's own SQS client: many long polls at once need more sockets than the SDK's default 50. */
export const localPollingSqsClient = (endpoint: string): SQSClient =>
  new SQSClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: localCredentials,
    requestHandler: { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 512 }) },
  });
