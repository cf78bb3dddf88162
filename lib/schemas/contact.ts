import * as v from 'valibot';
import { NullableAccountSchema } from './account.ts';
import {
  BlankableTextSchema,
  FlagSchema,
  IdSchema,
  NullableIdSchema,
  nullableObject,
  RecordSchema,
  TextSchema,
  TimeSchema,
} from './primitives.ts';
import type { Contact } from './types.ts';

/**
 * A contact, in both shapes: the doc's `{id, name, avatar, type: "contact", account}` and the real
 * `webhook_data`/`push_event_data` (no `type`, plus email, phone_number, identifier, thumbnail,
 * attribute bags, blocked; `avatar` may be ""). `identifier` and `phone_number` stay strings.
 */
export const contactEntries = {
  id: IdSchema,
  name: TextSchema,
  email: BlankableTextSchema,
  phone_number: BlankableTextSchema,
  identifier: BlankableTextSchema,
  avatar: BlankableTextSchema,
  thumbnail: BlankableTextSchema,
  blocked: FlagSchema,
  additional_attributes: RecordSchema,
  custom_attributes: RecordSchema,
  last_activity_at: TimeSchema,
  created_at: TimeSchema,
  account: NullableAccountSchema,
  account_id: NullableIdSchema,
};

const ContactObjectSchema = v.looseObject(contactEntries);
type ContactRaw = v.InferOutput<typeof ContactObjectSchema>;

/** The normalised contact: `account` folds into `account_id` (the event carries the account itself). */
export const toContact = (raw: ContactRaw): Contact => {
  const { account, ...rest } = raw;
  // push_event_data carries the avatar URL only as `thumbnail`.
  return { ...rest, avatar: rest.avatar ?? rest.thumbnail, account_id: account?.id ?? raw.account_id };
};

export const ContactSchema = v.pipe(ContactObjectSchema, v.transform(toContact));
export const NullableContactSchema = nullableObject(ContactSchema);
export type ContactInput = v.InferInput<typeof ContactSchema>;
export type ContactOutput = v.InferOutput<typeof ContactSchema>;
