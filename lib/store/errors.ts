/**
 * Which failures are worth retrying. DynamoDB's own table of error codes says which 400s are
 * retryable (throttling, request limits, transaction conflicts) and that 5xx are; the rest of the
 * 400s (ValidationException, SerializationException, ConditionalCheckFailed…) fail the same way
 * every time: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 * ("Error messages and codes", column "OK to retry?"). Network and timeout failures follow the
 * SDK's own classification (@smithy/core retry/service-error-classification).
 *
 * Everything else is deterministic: a RangeError, a marshalling error, an item too large. Config
 * failures (no table, access denied) are not transient either, but the worker's quarantine write
 * meets them too and then fails, so those records are retried and end in the DLQ as before.
 */
const TRANSIENT_NAMES = new Set([
  // DynamoDB's retryable 400s
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'LimitExceededException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'ReplicatedWriteConflictException',
  'ItemCollectionSizeLimitExceededException',
  // DynamoDB's 5xx
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // the SDK's throttling and timeout names
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
  'ExpiredTokenException',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_HTTP2_STREAM_ERROR',
  'UND_ERR_SOCKET',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** True for throttling, 5xx, network and timeout failures (and errors caused by one). */
export const isTransientError = (error: unknown, depth = 0): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (e.$fault === 'server') return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isTransientError(inner, depth + 1)))
    return true;
  return e.cause !== undefined && depth < 10 && isTransientError(e.cause, depth + 1);
};
