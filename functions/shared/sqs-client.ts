import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The one SQS client of a function, built once per container. The endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_SQS`, which the local stack and tests set to fauxqs. Retries are left to the
 * caller (the ingest runs its own time-boxed retry loop), so the SDK makes a single attempt.
 * `useQueueUrlAsEndpoint: false` sends to that endpoint rather than to the QueueUrl's host: on AWS
 * both are the regional endpoint, while fauxqs's URLs name `sqs.<region>.localhost`, which may not resolve.
 */
// Each attempt is bounded by these timeouts, so the ingest's retry loop needs no timer of its own.
const connectionTimeout = 300;
const requestTimeout = 500;
/** The longest one SendMessage attempt can take, ms (see lib/ingest/retry.ts). */
export const SQS_ATTEMPT_TIMEOUT_MS = connectionTimeout + requestTimeout;
export const sqsClient = new SQSClient({
  maxAttempts: 1,
  useQueueUrlAsEndpoint: false,
  requestHandler: { connectionTimeout, requestTimeout },
});
