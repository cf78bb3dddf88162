import { exactJsonOf, rememberExactJson } from './exact-json.ts';
import { toIsoTime } from './time.ts';
import type { Loose } from './types.ts';

/**
 * How free-form attribute bags are normalised, without valibot: the schemas run these on the way
 * in, and the store runs them again on what it reads back (it keeps the sender's exact text), so
 * both sides agree. Each derived object stays tied to the exact text of what it came from.
 */

export const isRecord = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Free-form attribute bags: an object is kept as is; a JSON-object string is parsed; anything else is {}. */
export const toRecord = (value: unknown): Loose => {
  if (isRecord(value)) return value;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isRecord(parsed)) {
        // The string's contents are the exact JSON text of the object it holds.
        rememberExactJson(parsed, value);
        return parsed;
      }
    } catch {
      // not JSON: fall through
    }
  }
  return {};
};

/** `initiated_at: {timestamp}` (doc: ISO; real web widgets: `Date#toString()`) → ISO or null. */
export const normaliseInitiatedAt = (attributes: Loose): Loose => {
  const initiated = attributes.initiated_at;
  if (!isRecord(initiated) || !('timestamp' in initiated)) return attributes;
  const normalised = {
    ...attributes,
    initiated_at: { ...initiated, timestamp: toIsoTime(initiated.timestamp) },
  };
  const text = exactJsonOf(attributes);
  if (text !== undefined) rememberExactJson(normalised, text);
  return normalised;
};

/** A bag whose `initiated_at.timestamp` is normalised (conversation.additional_attributes, event_info). */
export const toInitiatedRecord = (value: unknown): Loose => normaliseInitiatedAt(toRecord(value));
