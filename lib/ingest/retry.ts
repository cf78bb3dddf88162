/**
 * A time-boxed retry loop for the ingest's SQS send (and the sweeper's). The sender gives us 5 s and
 * never retries, so every attempt, back-off and the spillover fallback must fit well inside that.
 */
export interface RetryBudget {
  /** Total wall time for all attempts and back-offs, ms. */
  totalMs: number;
  /** First back-off, ms; doubles each attempt, with full jitter. */
  baseDelayMs: number;
  /** Upper bound of one back-off, ms. */
  maxDelayMs: number;
  /**
   * The longest one attempt can take, ms: the client's own connection and request timeouts bound
   * it. A retry starts only if its back-off plus a whole attempt still fits in the budget.
   */
  attemptTimeoutMs?: number;
}

export const DEFAULT_SQS_RETRY_BUDGET: RetryBudget = {
  totalMs: 1500,
  baseDelayMs: 25,
  maxDelayMs: 400,
  attemptTimeoutMs: 800,
};

export interface RetryClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'KmsThrottled',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
  // DynamoDB (the spillover write)
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'TransactionConflictException',
]);
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Whether an SDK error is worth another attempt: throttling, 5xx, timeouts and network failures.
 * Client errors (bad attributes, missing queue, access denied) are not: the caller spills at once.
 */
export const isRetryableError = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 || status === 429;
  // The SDK sometimes wraps the socket error.
  return e.cause !== undefined && e.cause !== error && isRetryableError(e.cause);
};

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the budget is spent; throws the
 * last error. No timer is armed on the happy path: each attempt is bounded by its client's own
 * timeouts (`attemptTimeoutMs`), and a retry starts only when it can finish inside the budget.
 */
export const withRetry = async <T>(
  attempt: () => Promise<T>,
  budget: RetryBudget = DEFAULT_SQS_RETRY_BUDGET,
  clock: RetryClock = systemClock,
): Promise<T> => {
  const deadline = clock.now() + budget.totalMs;
  for (let attemptIndex = 0; ; attemptIndex++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryableError(error)) throw error;
      const ceiling = Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** attemptIndex);
      const delay = Math.floor(clock.random() * ceiling);
      if (clock.now() + delay + (budget.attemptTimeoutMs ?? budget.baseDelayMs) >= deadline) throw error;
      await clock.sleep(delay);
    }
  }
};
