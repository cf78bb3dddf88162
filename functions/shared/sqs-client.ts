import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The one SQS client of a function, built once per container. The endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_SQS`, which the local stack and tests set to fauxqs. Retries are left to the
 * caller (the ingest runs its own time-boxed retry loop), so the SDK makes a single attempt.
 * `useQueueUrlAsEndpoint: false` sends to that endpoint rather than to the QueueUrl's host: on AWS
 * both are the regional endpoint, while fauxqs's URLs name `sqs.<region>.localhost`, which may not resolve.
 */
export const sqsClient = new SQSClient({ maxAttempts: 1, useQueueUrlAsEndpoint: false });
