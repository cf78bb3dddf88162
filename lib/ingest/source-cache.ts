import { withDeadline } from '#lib/delivery/deadline.ts';
import { AppError } from '#lib/errors.ts';
import { parseSources, type Sources } from './sources.ts';

/**
 * The configured sources, read lazily and cached. On AWS they come from an SSM parameter through the
 * Parameters and Secrets extension, which serves requests during INVOKE only, so nothing is read at
 * import: the first request reads them (within its own deadline, part of the answer bound), later
 * requests reuse them for `ttlMs`, and the first request after that reads them again, so a rotated
 * or added source takes effect without a redeploy.
 *
 * - A failed first read throws SourcesUnavailableError: the ingest answers 503, and the next request
 *   tries again.
 * - A failed refresh keeps the last good sources (and reports it through `onRefreshFailed`); the next
 *   try waits `retryMs`, so a hung extension costs one request a deadline, not every request.
 * - Concurrent requests share one read.
 */
export type SourcesProvider = () => Promise<Sources>;

export class SourcesUnavailableError extends AppError {
  override name = 'SourcesUnavailableError';
}

export interface SourceCacheOptions {
  /** Reads the sources JSON; must honour `signal`. */
  read: (signal: AbortSignal) => Promise<string>;
  ttlMs: number;
  /** Deadline of one read, ms. */
  loadTimeoutMs: number;
  /** Wait after a failed refresh before the next try, ms. Default min(ttlMs, 30 s). */
  retryMs?: number;
  onRefreshFailed?: (error: unknown) => void;
  now?: () => number;
}

export const cachedSources = (options: SourceCacheOptions): SourcesProvider => {
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? Math.min(options.ttlMs, 30_000);
  let current: Sources | undefined;
  let freshUntil = 0;
  let inFlight: Promise<Sources> | undefined;

  const load = (): Promise<Sources> => {
    inFlight ??= withDeadline(options.loadTimeoutMs, 'reading the webhook sources', options.read)
      .then(parseSources)
      .then(
        (sources) => {
          current = sources;
          freshUntil = now() + options.ttlMs;
          return sources;
        },
        (error: unknown) => {
          if (current === undefined)
            throw new SourcesUnavailableError('the webhook sources could not be read', { cause: error });
          freshUntil = now() + retryMs;
          options.onRefreshFailed?.(error);
          return current;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return async () => (current !== undefined && now() < freshUntil ? current : load());
};
