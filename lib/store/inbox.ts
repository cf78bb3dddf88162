import type { Inbox } from '#lib/schemas/types.ts';
import { sortKeys } from './keys.ts';
import { getReference, referenceWrite } from './reference.ts';
import type { PutWrite, StoreDeps } from './write.ts';

/** Inboxes, upserted from message and widget events.  pk A#<account>#INBOX#<id>  sk INBOX */
export interface InboxRecord {
  account_id: number;
  id: number;
  name: string | null;
}

export const inboxWrite = (accountId: number, inbox: Inbox, micros: number): PutWrite =>
  referenceWrite('inbox', sortKeys.inbox, accountId, { id: inbox.id, name: inbox.name }, micros);

/** Get an inbox. `GetItem pk=A#a#INBOX#id sk=INBOX`. */
export const getInbox = async (
  deps: StoreDeps,
  args: { accountId: number; inboxId: number },
): Promise<InboxRecord | null> =>
  (await getReference(deps, sortKeys.inbox, args.accountId, args.inboxId)) as InboxRecord | null;
