import * as v from 'valibot';
import { IdSchema, nullableObject, TextSchema } from './primitives.ts';

/** `{id, name}`: the account a payload belongs to (`account`, last in real conversation payloads). */
export const AccountSchema = v.looseObject({ id: IdSchema, name: TextSchema });
export const NullableAccountSchema = nullableObject(AccountSchema);
export type AccountInput = v.InferInput<typeof AccountSchema>;
export type AccountOutput = v.InferOutput<typeof AccountSchema>;
