import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalStack } from '#infra/local/stack.ts';
import type { WriteMeter } from './meter.ts';

/** What every step of the end-to-end bench works on. */
export interface BenchContext {
  stack: LocalStack;
  /** The workers' own DynamoDB client (functions/shared/dynamodb-client.ts), metered. */
  workerClient: DynamoDBClient;
  meter: WriteMeter;
  /** HTTP senders at once, and the concurrency of the bench's own reads. */
  concurrency: number;
  /** The one source the stack knows, and its secret. */
  secret: string;
}
