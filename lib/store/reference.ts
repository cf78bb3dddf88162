import { accountPrefix } from './keys.ts';
import { getItem, type Item } from './read.ts';
import { entityVersion } from './version.ts';
import { newerVersion, type PutWrite, type StoreDeps } from './write.ts';

/**
 * Shared shape of the small reference entities (users, agent bots, teams, inboxes): one item each,
 * `pk A#<account>#<tag>#<id>  sk <tag>`, upserted wherever they appear, version-guarded by the
 * time of the event that carried them (full replace: the newest sighting wins as a whole).
 */
export const referenceKey = (tag: string, accountId: number, id: number) => ({
  pk: `${accountPrefix(accountId)}#${tag}#${id}`,
  sk: tag,
});

export const referenceWrite = (
  entity: string,
  tag: string,
  accountId: number,
  record: { id: number } & Record<string, unknown>,
  micros: number,
): PutWrite => {
  const content = { account_id: accountId, ...record };
  const version = entityVersion(micros, content);
  return {
    kind: 'put',
    entity,
    item: { ...referenceKey(tag, accountId, record.id), entity, ...content, v: version },
    condition: newerVersion(version),
    version,
  };
};

export const getReference = async (
  deps: StoreDeps,
  tag: string,
  accountId: number,
  id: number,
): Promise<Item | null> => {
  const item = await getItem(deps, referenceKey(tag, accountId, id));
  if (item === null) return null;
  const { pk: _pk, sk: _sk, v: _v, entity: _entity, ...record } = item;
  return record;
};
