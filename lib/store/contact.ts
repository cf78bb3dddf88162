import type { Contact } from '#lib/schemas/types.ts';
import { freeFormText, packFreeForm, readRecord } from './free-form.ts';
import { contactPk, sortKeys } from './keys.ts';
import { getItem, type Item, pick } from './read.ts';
import { entityVersion } from './version.ts';
import { newerVersion, type PutWrite, type StoreDeps } from './write.ts';

/**
 * Contact: upserted from every full contact shape (contact events, a conversation's `meta.sender`,
 * a widget visit), version-guarded by the time of the event that carried it. Message senders are
 * only referenced (`sender_type`, `sender_id`): their push shape holds too little to upsert from.
 *
 *   pk  A#<account>#CT#<contact>   sk  CONTACT
 *
 * Widget visits share the partition (widget-visit.ts); the contact's conversations come from gsi2
 * (conversation.ts `listContactConversations`).
 */

export const contactKey = (accountId: number, contactId: number) => ({
  pk: contactPk(accountId, contactId),
  sk: sortKeys.contact,
});

export interface ContactRecord {
  account_id: number;
  id: number;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  identifier: string | null;
  avatar: string | null;
  thumbnail: string | null;
  blocked: boolean | null;
  additional_attributes: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
  last_activity_at: string | null;
  created_at: string | null;
}

const recordFields = [
  'account_id',
  'id',
  'name',
  'email',
  'phone_number',
  'identifier',
  'avatar',
  'thumbnail',
  'blocked',
  'additional_attributes',
  'custom_attributes',
  'last_activity_at',
  'created_at',
] as const satisfies readonly (keyof ContactRecord)[];

export const toContactRecord = (accountId: number, c: Contact): ContactRecord => ({
  account_id: accountId,
  id: c.id,
  name: c.name,
  email: c.email,
  phone_number: c.phone_number,
  identifier: c.identifier,
  avatar: c.avatar,
  thumbnail: c.thumbnail,
  blocked: c.blocked,
  additional_attributes: c.additional_attributes,
  custom_attributes: c.custom_attributes,
  last_activity_at: c.last_activity_at,
  created_at: c.created_at,
});

export const contactWrite = (accountId: number, contact: Contact, micros: number): PutWrite => {
  const record = toContactRecord(accountId, contact);
  // Free-form bags go in as their exact text (free-form.ts); the version hashes that text.
  const custom = freeFormText(record.custom_attributes);
  const additional = freeFormText(record.additional_attributes);
  const version = entityVersion(micros, {
    ...record,
    custom_attributes: custom,
    additional_attributes: additional,
  });
  return {
    kind: 'put',
    entity: 'contact',
    item: {
      ...contactKey(accountId, contact.id),
      entity: 'contact',
      ...record,
      custom_attributes: packFreeForm(custom),
      additional_attributes: packFreeForm(additional),
      v: version,
    },
    condition: newerVersion(version),
    version,
  };
};

export const contactFromItem = (item: Item): ContactRecord => ({
  ...(pick(item, recordFields) as unknown as ContactRecord),
  custom_attributes: readRecord(item.custom_attributes),
  additional_attributes: readRecord(item.additional_attributes),
});

/** Get a contact. `GetItem pk=A#a#CT#c sk=CONTACT`. */
export const getContact = async (
  deps: StoreDeps,
  args: { accountId: number; contactId: number },
): Promise<ContactRecord | null> => {
  const item = await getItem(deps, contactKey(args.accountId, args.contactId));
  return item === null ? null : contactFromItem(item);
};
