import { readWorkerConfig } from '../../../lib/workers/config.ts';
import { quarantineWorker } from '../../../lib/workers/workers.ts';
import { dynamoDbClient } from '../../shared/dynamodb-client.ts';

/** SQS → DynamoDB worker for the `quarantine` route (lib/workers): stores events raw. */
export const handler = quarantineWorker({ dynamodb: dynamoDbClient, ...readWorkerConfig() });
