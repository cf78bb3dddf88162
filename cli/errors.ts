import { AppError } from '#lib/errors.ts';

/** An error the CLI reports as one line on stderr, with exit code 1. */
export class CliError extends AppError {
  override name = 'CliError';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT']);

/** The network error code somewhere in an error's cause chain (fetch and the SDK both nest them). */
export const networkCode = (error: unknown): string | undefined => {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const nested = errors.map(networkCode).find((found) => found !== undefined);
      if (nested !== undefined) return nested;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

/** One readable line for any error. */
export const oneLine = (error: unknown): string => {
  const message = error instanceof Error ? `${error.message}` : String(error);
  const name =
    error instanceof Error && error.name !== 'Error' && error.name !== 'CliError' ? `${error.name}: ` : '';
  return `${name}${message}`.split('\n')[0] ?? '';
};
