import { withLambdaContext } from '../../../lib/observability.ts';
import { readWorkerConfig } from '../../../lib/workers/config.ts';
import { archiveWorker } from '../../../lib/workers/workers.ts';
import { dynamoDbClient } from '../../shared/dynamodb-client.ts';

/** SQS → DynamoDB worker for the `archive` route (lib/workers): stores events raw. */
export const handler = withLambdaContext(archiveWorker({ dynamodb: dynamoDbClient, ...readWorkerConfig() }));
