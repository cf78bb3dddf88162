import * as v from 'valibot';
import type { Loose } from '../events/types.ts';
import { toIsoTime } from './time.ts';

/**
 * Building blocks shared by the object schemas. Every optional field is `nullish(…, null)` so that
 * an absent key still runs its pipe and the output always carries the key (valibot only runs an
 * absent entry's schema when it has a default).
 */

/** Ids are integers. Strict: a string id is a misfit, never coerced. */
export const IdSchema = v.pipe(v.number(), v.integer());
export const NullableIdSchema = v.nullish(IdSchema, null);

/** A string kept exactly as sent (source ids, identifiers, phone numbers are never coerced). */
export const TextSchema = v.nullish(v.string(), null);
/** Like TextSchema, but `""` reads as null (avatar URLs, emails a sender left blank). */
export const BlankableTextSchema = v.pipe(
  v.nullish(v.string(), null),
  v.transform((s) => (s === '' ? null : s)),
);
export const FlagSchema = v.nullish(v.boolean(), null);
export const NullableNumberSchema = v.nullish(v.number(), null);
export const NullableIntegerSchema = v.nullish(v.pipe(v.number(), v.integer()), null);

/** Raw time input: unix seconds (int or float), or a string (ISO, `Date#toString()`, numeric). */
export const RawTimeSchema = v.nullish(v.union([v.number(), v.string()]), null);
/** A time, normalised to ISO-8601 or null ("never": 0, "", unparsable, absent). */
export const TimeSchema = v.pipe(
  RawTimeSchema,
  v.transform((value: string | number | null) => toIsoTime(value)),
);

const isRecord = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Free-form attribute bags: an object is kept as is; a JSON-object string is parsed; anything else is {}. */
export const toRecord = (value: unknown): Loose => {
  if (isRecord(value)) return value;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isRecord(parsed)) return parsed;
    } catch {
      // not JSON: fall through
    }
  }
  return {};
};
export const RecordSchema = v.pipe(v.nullish(v.unknown(), null), v.transform(toRecord));

/** `initiated_at: {timestamp}` (doc: ISO; real web widgets: `Date#toString()`) → ISO or null. */
export const normaliseInitiatedAt = (attributes: Loose): Loose => {
  const initiated = attributes.initiated_at;
  if (!isRecord(initiated) || !('timestamp' in initiated)) return attributes;
  return { ...attributes, initiated_at: { ...initiated, timestamp: toIsoTime(initiated.timestamp) } };
};
/** A record whose `initiated_at.timestamp` is normalised (conversation.additional_attributes, event_info). */
export const InitiatedRecordSchema = v.pipe(
  v.nullish(v.unknown(), null),
  v.transform((value) => normaliseInitiatedAt(toRecord(value))),
);

/** An optional object: `null`, absent and `""` all read as null. */
export const nullableObject = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    v.nullish(v.union([v.literal(''), schema]), null),
    v.transform((value) => (value === '' ? null : value) as v.InferOutput<S> | null),
  );

/** An optional list: absent or null reads as []. */
export const listOf = <S extends v.GenericSchema>(schema: S) => v.nullish(v.array(schema), () => []);
