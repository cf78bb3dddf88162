import { accountPrefix } from './keys.ts';
import { getItem } from './read.ts';
import type { PutWrite, StoreDeps } from './write.ts';

/**
 * The reconciler's watermark: per account, the time up to which the store was last compared with
 * the Chatwoot API. It only moves forward (a slow run finishing after a newer one cannot pull it back).
 *
 *   pk  A#<account>#RECONCILE   sk  WATERMARK
 */
export const watermarkKey = (accountId: number) => ({
  pk: `${accountPrefix(accountId)}#RECONCILE`,
  sk: 'WATERMARK',
});

export const watermarkWrite = (accountId: number, at: string): PutWrite => ({
  kind: 'put',
  entity: 'watermark',
  item: { ...watermarkKey(accountId), entity: 'watermark', account_id: accountId, at },
  condition: {
    expression: 'attribute_not_exists(#at) OR #at < :at',
    names: { '#at': 'at' },
    values: { ':at': at },
  },
});

/** The stored watermark (ISO), or null before the first run. `GetItem pk=A#a#RECONCILE sk=WATERMARK`. */
export const getWatermark = async (deps: StoreDeps, accountId: number): Promise<string | null> => {
  const item = await getItem(deps, watermarkKey(accountId));
  return typeof item?.at === 'string' ? item.at : null;
};
