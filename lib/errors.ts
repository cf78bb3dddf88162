/**
 * The base of our small error hierarchy: a name and an optional cause. Errors turn into HTTP
 * statuses or retries only at the edge (handlers), never inside lib/.
 */
export class AppError extends Error {
  override name: string = 'AppError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A required setting is missing or malformed: fail at start-up, loudly. */
export class ConfigError extends AppError {
  override name = 'ConfigError';
}
