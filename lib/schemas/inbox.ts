import * as v from 'valibot';
import { IdSchema, nullableObject, TextSchema } from './primitives.ts';

/** `{id, name}`: the inbox of a message or widget visit. */
export const InboxSchema = v.looseObject({ id: IdSchema, name: TextSchema });
export const NullableInboxSchema = nullableObject(InboxSchema);
export type InboxInput = v.InferInput<typeof InboxSchema>;
export type InboxOutput = v.InferOutput<typeof InboxSchema>;
