import * as v from 'valibot';
import { BlankableTextSchema, IdSchema, nullableObject, TextSchema } from './primitives.ts';
import type { Actor } from './types.ts';

/**
 * Who sent a message or holds a conversation: a user/agent `{id, name, email?, type: "user"}`, an
 * agent bot `{id, name, type: "agent_bot"}`, or a contact, which real senders send without `type`
 * (so a missing type means contact). Any other type (e.g. a Captain assistant) is kept as sent.
 * Other fields pass through.
 */
export const ActorSchema = v.pipe(
  v.looseObject({
    id: IdSchema,
    type: v.nullish(v.string(), null),
    name: TextSchema,
    email: BlankableTextSchema,
  }),
  v.transform((raw): Actor => ({ ...raw, type: raw.type || 'contact' })),
);
export const NullableActorSchema = nullableObject(ActorSchema);
export type ActorInput = v.InferInput<typeof ActorSchema>;
export type ActorOutput = v.InferOutput<typeof ActorSchema>;
