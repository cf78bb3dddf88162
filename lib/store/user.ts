import type { Actor } from '#lib/schemas/types.ts';
import { sortKeys } from './keys.ts';
import { getReference, referenceWrite } from './reference.ts';
import type { PutWrite, StoreDeps } from './write.ts';

/**
 * Users (agents, admins) and agent bots, upserted from assignees and message senders.
 *
 *   pk  A#<account>#USER#<id>  sk USER        pk  A#<account>#BOT#<id>  sk BOT
 *
 * The assignee shape carries no email: the stored email is that of the newest sighting.
 */
export interface UserRecord {
  account_id: number;
  id: number;
  type: 'user' | 'agent_bot';
  name: string | null;
  email: string | null;
}

const tagOf = (type: 'user' | 'agent_bot'): string => (type === 'user' ? sortKeys.user : sortKeys.agentBot);

const isUpsertedType = (type: string): type is 'user' | 'agent_bot' =>
  type === 'user' || type === 'agent_bot';

/** The upsert of a user or agent bot; null for any other actor (contacts live in contact.ts; other types are only referenced). */
export const userWrite = (accountId: number, actor: Actor, micros: number): PutWrite | null => {
  const type = actor.type;
  if (!isUpsertedType(type)) return null;
  return referenceWrite(
    type,
    tagOf(type),
    accountId,
    { id: actor.id, type, name: actor.name, email: actor.email },
    micros,
  );
};

/** Get a user or agent bot. `GetItem pk=A#a#USER#id sk=USER` (or BOT). */
export const getUser = async (
  deps: StoreDeps,
  args: { accountId: number; userId: number; type?: 'user' | 'agent_bot' },
): Promise<UserRecord | null> =>
  (await getReference(deps, tagOf(args.type ?? 'user'), args.accountId, args.userId)) as UserRecord | null;
