import type { IsoTime } from './types.ts';

/**
 * Time normalisation shared by every schema. Senders write times as unix seconds (integers, or
 * floats with microseconds), ISO-8601 strings, or a browser's `Date#toString()`; `0` and `""` mean
 * "never". We normalise them all to `Date#toISOString()` (UTC, milliseconds) or null.
 */

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;
const MAX_MS = 8.64e15; // the Date range limit: beyond it toISOString throws

const fromMs = (ms: number): IsoTime | null =>
  Number.isFinite(ms) && ms > 0 && ms <= MAX_MS ? new Date(ms).toISOString() : null;

/** unix seconds | numeric string | ISO | Date#toString() → ISO-8601, or null for 0/""/unparsable/absent. */
export const toIsoTime = (value: unknown): IsoTime | null => {
  if (typeof value === 'number') return fromMs(value * 1000);
  if (typeof value !== 'string') return null;
  if (value.trim() === '') return null;
  if (NUMERIC.test(value)) return fromMs(Number(value) * 1000);
  return fromMs(Date.parse(value));
};

const FRACTION = /[T\s]\d{2}:\d{2}:\d{2}\.(\d+)/;

/**
 * The same instant as integer microseconds since the epoch: a conversation's `updated_at` float
 * (`1772442871.655123`) is its finest version source. ISO strings keep up to 6 fraction digits.
 */
export const toMicros = (value: unknown): number | null => {
  if (typeof value === 'number' || (typeof value === 'string' && NUMERIC.test(value))) {
    const seconds = Number(value);
    return Number.isFinite(seconds) && seconds > 0 && seconds * 1000 <= MAX_MS
      ? Math.round(seconds * 1e6)
      : null;
  }
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_MS) return null;
  // Date.parse keeps milliseconds only; add the 4th–6th fraction digits back.
  const digits = FRACTION.exec(value)?.[1] ?? '';
  const extra = digits.length > 3 ? Number(digits.slice(3, 6).padEnd(3, '0')) : 0;
  return ms * 1000 + extra;
};
