import * as v from 'valibot';
import {
  FlagSchema,
  IdSchema,
  NullableIdSchema,
  nullableObject,
  TextSchema,
  TimeSchema,
} from './primitives.ts';

/** `conversation.contact_inbox`: the contact's identity in one inbox. `source_id` stays a string. */
export const ContactInboxSchema = v.looseObject({
  id: IdSchema,
  contact_id: NullableIdSchema,
  inbox_id: NullableIdSchema,
  source_id: TextSchema,
  hmac_verified: FlagSchema,
  created_at: TimeSchema,
  updated_at: TimeSchema,
});
export const NullableContactInboxSchema = nullableObject(ContactInboxSchema);
export type ContactInboxInput = v.InferInput<typeof ContactInboxSchema>;
export type ContactInboxOutput = v.InferOutput<typeof ContactInboxSchema>;
