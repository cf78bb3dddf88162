import { AppError } from '#lib/errors.ts';

/**
 * Hard time bounds. The sender gives up after 5 s and never retries, so no step of the ingest may
 * rely on a client's own timeouts alone: each attempt runs with an AbortSignal that fires at its
 * deadline, and its promise is settled at that deadline even if the work ignores the signal.
 */

/** The error of an attempt that ran out of time; named like the SDK's, so it counts as retryable. */
export class DeadlineExceededError extends AppError {
  override name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
  readonly ms: number;
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.ms = ms;
  }
}

/**
 * Runs `work` with a signal that aborts after `ms` and settles by then:
 * rejects with DeadlineExceededError at the deadline. The timer is cleared as soon as work settles.
 */
export const withDeadline = <T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> => {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const expire = (): void => {
      if (settled) return;
      const error = new DeadlineExceededError(what, ms);
      controller.abort(error);
      reject(error);
    };
    if (ms <= 0) {
      expire();
      return;
    }
    // The abort waits for the I/O already received (setImmediate runs after the poll phase): on a
    // lagging event loop the timer can come due in the same turn as the answer it would discard.
    const timer = setTimeout(() => setImmediate(expire), ms);
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
    };
    let started: Promise<T>;
    try {
      started = work(controller.signal);
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    started.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        // Once the deadline has passed, the abort's own rejection is the deadline's.
        reject(controller.signal.aborted ? controller.signal.reason : error);
      },
    );
  });
};
