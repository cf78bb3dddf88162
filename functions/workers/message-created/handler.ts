import { withLambdaContext } from '../../../lib/observability.ts';
import { readWorkerConfig } from '../../../lib/workers/config.ts';
import { eventWorker } from '../../../lib/workers/workers.ts';
import { dynamoDbClient } from '../../shared/dynamodb-client.ts';

/** SQS → DynamoDB worker for `message_created` (lib/workers): partial batch failures, guarded writes. */
export const handler = withLambdaContext(
  eventWorker('message_created', { dynamodb: dynamoDbClient, ...readWorkerConfig() }),
);
