import type { Team } from '#lib/schemas/types.ts';
import { sortKeys } from './keys.ts';
import { getReference, referenceWrite } from './reference.ts';
import type { PutWrite, StoreDeps } from './write.ts';

/** Teams, upserted from `conversation.meta.team`.  pk A#<account>#TEAM#<id>  sk TEAM */
export interface TeamRecord {
  account_id: number;
  id: number;
  name: string | null;
}

export const teamWrite = (accountId: number, team: Team, micros: number): PutWrite =>
  referenceWrite('team', sortKeys.team, accountId, { id: team.id, name: team.name }, micros);

/** Get a team. `GetItem pk=A#a#TEAM#id sk=TEAM`. */
export const getTeam = async (
  deps: StoreDeps,
  args: { accountId: number; teamId: number },
): Promise<TeamRecord | null> =>
  (await getReference(deps, sortKeys.team, args.accountId, args.teamId)) as TeamRecord | null;
