import { SQSClient } from '@aws-sdk/client-sqs';
import { SQS_ATTEMPT_TIMEOUT_MS } from '#contracts/limits.ts';

/**
 * The one SQS client of a function, built once per container. The endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_SQS`, which the local stack and tests set to fauxqs. Retries are left to the
 * caller (the ingest runs its own time-boxed retry loop), so the SDK makes a single attempt.
 * `useQueueUrlAsEndpoint: false` sends to that endpoint rather than to the QueueUrl's host: on AWS
 * both are the regional endpoint, while fauxqs's URLs name `sqs.<region>.localhost`, which may not resolve.
 *
 * Time bounds: in @smithy/node-http-handler 4.x `requestTimeout` only logs a warning unless
 * `throwOnRequestTimeout` is set, so an endpoint that accepts the connection and never answers would
 * hold the attempt until Lambda's own timeout. With it set, the handler destroys the request at
 * `requestTimeout` (counted from the request's start until the response headers). On top of that,
 * every caller aborts each attempt at SQS_ATTEMPT_TIMEOUT_MS through `abortSignal` (lib/delivery/retry.ts),
 * which also covers reading the response body.
 */
const connectionTimeout = 300;
const requestTimeout = 500;

/** The hard deadline of one SendMessage attempt (lib/contracts/limits.ts): the abort signal fires there. */
export { SQS_ATTEMPT_TIMEOUT_MS };
export const sqsClientConfig = {
  maxAttempts: 1,
  useQueueUrlAsEndpoint: false,
  requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
} as const;
export const sqsClient = new SQSClient(sqsClientConfig);
