import * as v from 'valibot';
import { ID_MESSAGE } from './key-specs.ts';
import { toInitiatedRecord, toRecord } from './records.ts';
import { toIsoTime } from './time.ts';

/**
 * Building blocks shared by the object schemas. Every optional field is `nullish(…, null)` so that
 * an absent key still runs its pipe and the output always carries the key (valibot only runs an
 * absent entry's schema when it has a default).
 */

/**
 * Ids are safe integers. Strict: a string id is a misfit, never coerced; so is an id beyond 2^53
 * (JSON.parse has already lost its digits, and DynamoDB's marshaller refuses it), a fraction, or a
 * non-finite value. Same rule as key-specs.ts, so the ingest quarantines what the workers would.
 */
export const IdSchema = v.pipe(v.number(), v.safeInteger(ID_MESSAGE));
export const NullableIdSchema = v.nullish(IdSchema, null);

/** A string kept exactly as sent (source ids, identifiers, phone numbers are never coerced). */
export const TextSchema = v.nullish(v.string(), null);
/** Like TextSchema, but `""` reads as null (avatar URLs, emails a sender left blank). */
export const BlankableTextSchema = v.pipe(
  v.nullish(v.string(), null),
  v.transform((s) => (s === '' ? null : s)),
);
export const FlagSchema = v.nullish(v.boolean(), null);
/**
 * A number DynamoDB can store as sent: finite, within ±2^53 (the SDK's marshaller refuses more, as
 * it could not be exact) and not below DynamoDB's smallest magnitude (1E-130, which it rejects).
 */
const isStorableNumber = (n: number): boolean =>
  Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER && (n === 0 || Math.abs(n) >= 1e-130);
export const NullableNumberSchema = v.nullish(
  v.pipe(
    v.number(),
    v.check(isStorableNumber, 'not a storable number: beyond ±2^53, below 1e-130 or not finite'),
  ),
  null,
);
export const NullableIntegerSchema = v.nullish(v.pipe(v.number(), v.safeInteger()), null);

/** Raw time input: unix seconds (int or float), or a string (ISO, `Date#toString()`, numeric). */
export const RawTimeSchema = v.nullish(v.union([v.number(), v.string()]), null);
/** A time, normalised to ISO-8601 or null ("never": 0, "", unparsable, absent). */
export const TimeSchema = v.pipe(
  RawTimeSchema,
  v.transform((value: string | number | null) => toIsoTime(value)),
);

export { normaliseInitiatedAt, toRecord } from './records.ts';

/** Free-form attribute bags: an object is kept as is; a JSON-object string is parsed; anything else is {}. */
export const RecordSchema = v.pipe(v.nullish(v.unknown(), null), v.transform(toRecord));

/** A record whose `initiated_at.timestamp` is normalised (conversation.additional_attributes, event_info). */
export const InitiatedRecordSchema = v.pipe(v.nullish(v.unknown(), null), v.transform(toInitiatedRecord));

/** An optional object: `null`, absent and `""` all read as null. */
export const nullableObject = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    v.nullish(v.union([v.literal(''), schema]), null),
    v.transform((value) => (value === '' ? null : value) as v.InferOutput<S> | null),
  );

/** An optional list: absent or null reads as []. */
export const listOf = <S extends v.GenericSchema>(schema: S) => v.nullish(v.array(schema), () => []);
