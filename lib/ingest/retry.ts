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
}

export const DEFAULT_SQS_RETRY_BUDGET: RetryBudget = { totalMs: 1500, baseDelayMs: 25, maxDelayMs: 400 };

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
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the budget is spent. All
 * attempts share one AbortSignal that fires when the budget runs out, so a hanging connection cannot
 * overrun it (one timer per call: cheaper on the hot path than a signal per attempt). Throws the
 * last error.
 */
export const withRetry = async <T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  budget: RetryBudget = DEFAULT_SQS_RETRY_BUDGET,
  clock: RetryClock = systemClock,
): Promise<T> => {
  const deadline = clock.now() + budget.totalMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('retry budget spent', 'TimeoutError')),
    budget.totalMs,
  );
  try {
    for (let attemptIndex = 0; ; attemptIndex++) {
      try {
        return await attempt(controller.signal);
      } catch (error) {
        if (!isRetryableError(error)) throw error;
        const ceiling = Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** attemptIndex);
        const delay = Math.floor(clock.random() * ceiling);
        // Stop when the back-off plus a minimal attempt would not fit in what is left.
        if (controller.signal.aborted || clock.now() + delay + budget.baseDelayMs >= deadline) throw error;
        await clock.sleep(delay);
      }
    }
  } finally {
    clearTimeout(timer);
  }
};
