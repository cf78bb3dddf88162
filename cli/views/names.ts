import { getContact } from '#lib/store/contact.ts';
import { getInbox } from '#lib/store/inbox.ts';
import { getTeam } from '#lib/store/team.ts';
import { getUser } from '#lib/store/user.ts';
import type { StoreDeps } from '#lib/store/write.ts';

/** Stored names of the people and places a record points at, so views say "Ken Sato", not "user 3". */
export interface Names {
  assignee: string | null;
  team: string | null;
  inbox: string | null;
  contact: string | null;
}

type NameKey = 'user' | 'agent_bot' | 'team' | 'inbox' | 'contact';

/** Looks names up once per id (views and lists point at the same few agents, teams and inboxes). */
export const nameResolver = (store: StoreDeps, accountId: number) => {
  const cache = new Map<string, Promise<string | null>>();
  const lookUp = (kind: NameKey, id: number | null | undefined): Promise<string | null> => {
    if (id === null || id === undefined) return Promise.resolve(null);
    const key = `${kind}#${id}`;
    let found = cache.get(key);
    if (found === undefined) {
      found = (async () => {
        if (kind === 'team') return (await getTeam(store, { accountId, teamId: id }))?.name ?? null;
        if (kind === 'inbox') return (await getInbox(store, { accountId, inboxId: id }))?.name ?? null;
        if (kind === 'contact') return (await getContact(store, { accountId, contactId: id }))?.name ?? null;
        return (await getUser(store, { accountId, userId: id, type: kind }))?.name ?? null;
      })();
      cache.set(key, found);
    }
    return found;
  };
  return {
    lookUp,
    of: async (record: {
      assignee_id?: number | null;
      assignee_type?: string | null;
      team_id?: number | null;
      inbox_id?: number | null;
      contact_id?: number | null;
    }): Promise<Names> => {
      const [assignee, team, inbox, contact] = await Promise.all([
        lookUp(record.assignee_type === 'agent_bot' ? 'agent_bot' : 'user', record.assignee_id),
        lookUp('team', record.team_id),
        lookUp('inbox', record.inbox_id),
        lookUp('contact', record.contact_id),
      ]);
      return { assignee, team, inbox, contact };
    },
  };
};

/** `Ken Sato (user 3)`, or the bare id when no name is stored. */
export const named = (id: unknown, name: string | null): string | null =>
  id === null || id === undefined ? null : name === null ? String(id) : `${name} (${String(id)})`;
