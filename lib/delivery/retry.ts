import { withDeadline } from './deadline.ts';

/**
 * A time-boxed retry loop for the ingest's SQS send and spillover write (and the sweeper's and the
 * CLI's sends). The sender gives us 5 s and never retries, so every attempt, back-off and the
 * spillover fallback must fit well inside that: each attempt gets an AbortSignal and a hard
 * deadline, and the loop as a whole never runs past `totalMs`.
 */
export interface RetryBudget {
  /** Total wall time for all attempts and back-offs, ms. */
  totalMs: number;
  /** First back-off, ms; doubles each attempt, with full jitter. */
  baseDelayMs: number;
  /** Upper bound of one back-off, ms. */
  maxDelayMs: number;
  /**
   * The longest one attempt may take, ms: it is aborted at that deadline (or at the end of the
   * budget, whichever comes first). Default: the rest of the budget.
   */
  attemptTimeoutMs?: number;
}

export const DEFAULT_SQS_RETRY_BUDGET: RetryBudget = {
  totalMs: 1200,
  baseDelayMs: 25,
  maxDelayMs: 400,
  attemptTimeoutMs: 600,
};

/** A retry only starts when at least this much of the budget is left for it, ms. */
const MIN_ATTEMPT_MS = 100;

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
 * last error. Each attempt gets a signal that aborts at min(attemptTimeoutMs, end of budget) and is
 * settled by then even if the work ignores the signal (a socket that accepts and never answers must
 * not hold the answer). A retry starts only when its back-off leaves a useful attempt in the budget.
 */
export const withRetry = async <T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  budget: RetryBudget = DEFAULT_SQS_RETRY_BUDGET,
  clock: RetryClock = systemClock,
  what = 'attempt',
): Promise<T> => {
  const deadline = clock.now() + budget.totalMs;
  const attemptCap = budget.attemptTimeoutMs ?? budget.totalMs;
  const minimum = Math.min(attemptCap, MIN_ATTEMPT_MS);
  for (let attemptIndex = 0; ; attemptIndex++) {
    try {
      const ms = Math.min(attemptCap, deadline - clock.now());
      return await withDeadline(ms, what, attempt);
    } catch (error) {
      if (!isRetryableError(error)) throw error;
      const ceiling = Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** attemptIndex);
      const delay = Math.floor(clock.random() * ceiling);
      if (clock.now() + delay + minimum > deadline) throw error;
      await clock.sleep(delay);
    }
  }
};
