import { gunzipSync, gzipSync } from 'node:zlib';
import { AppError } from '#lib/errors.ts';
import { exactJsonOf, parseExactJson } from '#lib/schemas/exact-json.ts';
import { isRecord, toInitiatedRecord, toRecord } from '#lib/schemas/records.ts';
import type { ChangedAttribute, Loose } from '#lib/schemas/types.ts';

/**
 * Free-form values (attribute bags Chatwoot fills from user input: `content_attributes`,
 * `custom_attributes`, `additional_attributes`, `event_info`, `changed_attributes`) are stored as
 * their exact JSON text, never as DynamoDB maps: a map would lose integers beyond 2^53 (the SDK
 * refuses them), `__proto__` keys, and anything nested deeper than DynamoDB's 32 levels. The text
 * is an `S` attribute, or a gzipped `B` one when that is smaller and the text is over 1 KB (writes
 * are billed per started KB). Reads parse it back (and normalise it as the schemas do), so the
 * store's functions still return objects. Items written before this (maps) still read.
 */

export const FREE_FORM_GZIP_THRESHOLD_BYTES = 1024;

export class UnserialisableValueError extends AppError {
  override name = 'UnserialisableValueError';
}

/**
 * The exact text a body gave this value (exact-json.ts), else its JSON serialisation (a value built
 * in code, or the `{}` a schema put in place of a non-object).
 */
export const freeFormText = (value: object): string => {
  const exact = exactJsonOf(value);
  if (exact !== undefined) return exact;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    throw new UnserialisableValueError(`free-form value cannot be serialised: ${(error as Error).message}`);
  }
};

/** The attribute value for a free-form text: the text, or its gzip when large and smaller. */
export const packFreeForm = (text: string): string | Uint8Array => {
  if (text.length <= FREE_FORM_GZIP_THRESHOLD_BYTES / 3) return text;
  if (Buffer.byteLength(text, 'utf8') <= FREE_FORM_GZIP_THRESHOLD_BYTES) return text;
  const gz = gzipSync(text);
  return gz.length < Buffer.byteLength(text, 'utf8') ? gz : text;
};

/** The stored attribute back as a parsed value: `S` text, gzipped `B`, or a legacy map as is. */
const unpack = (stored: unknown): unknown => {
  if (typeof stored === 'string') return parseExactJson(stored);
  if (stored instanceof Uint8Array) return parseExactJson(gunzipSync(stored).toString('utf8'));
  return stored ?? null;
};

/** A stored attribute bag, normalised like `RecordSchema`. */
export const readRecord = (stored: unknown): Loose => toRecord(unpack(stored));
/** A stored bag with `initiated_at`, normalised like `InitiatedRecordSchema`. */
export const readInitiatedRecord = (stored: unknown): Loose => toInitiatedRecord(unpack(stored));

/**
 * Stored `changed_attributes` (the sender's `[{attr: {previous_value, current_value}}]` text) back
 * in the flattened form of `ChangedAttributesSchema`. Legacy items hold the flattened list itself.
 */
export const readChangedAttributes = (stored: unknown): ChangedAttribute[] => {
  if (typeof stored !== 'string' && !(stored instanceof Uint8Array))
    return Array.isArray(stored) ? (stored as ChangedAttribute[]) : [];
  const value = unpack(stored);
  const items = Array.isArray(value) ? value : [value];
  const changes: ChangedAttribute[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    for (const attribute of Object.keys(item)) {
      const change = item[attribute];
      if (!isRecord(change)) continue;
      changes.push({
        attribute,
        previous_value: change.previous_value ?? null,
        current_value: change.current_value ?? null,
      });
    }
  }
  return changes;
};

/** The wire form of flattened changes, for changes built in code (no body text to keep). */
export const changedAttributesText = (changes: readonly ChangedAttribute[]): string =>
  freeFormText(
    changes.map((c) => ({
      [c.attribute]: { previous_value: c.previous_value, current_value: c.current_value },
    })),
  );
