import * as v from 'valibot';
import { IdSchema, nullableObject, TextSchema } from './primitives.ts';

/** `conversation.meta.team`: `{id, name}` or null. */
export const TeamSchema = v.looseObject({ id: IdSchema, name: TextSchema });
export const NullableTeamSchema = nullableObject(TeamSchema);
export type TeamInput = v.InferInput<typeof TeamSchema>;
export type TeamOutput = v.InferOutput<typeof TeamSchema>;
