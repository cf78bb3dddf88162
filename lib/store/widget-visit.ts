import { freeFormText, packFreeForm, readInitiatedRecord } from './free-form.ts';
import { contactPk, sortKeys } from './keys.ts';
import { queryItems } from './read.ts';
import { absent, type PutWrite, type StoreDeps, writtenOnce } from './write.ts';

/**
 * Widget visit (`webwidget_triggered`): an append-only fact under its contact, one per event.
 *
 *   pk  A#<account>#CT#<contact>   sk  WV#<at ISO>#<event id>
 */

export interface WidgetVisitRecord {
  account_id: number;
  contact_id: number;
  /** The payload's top-level `id`: the contact_inbox, not the contact. */
  contact_inbox_id: number;
  inbox_id: number | null;
  source_id: string | null;
  /** The contact's current conversation at the time of the visit, if any. */
  conversation_id: number | null;
  event_info: Record<string, unknown>;
  /** When the visit was reported (sender timestamp, else receive time). */
  at: string;
  event_id: string;
}

export const widgetVisitWrite = (visit: WidgetVisitRecord): PutWrite => ({
  kind: 'put',
  entity: 'widget-visit',
  item: {
    pk: contactPk(visit.account_id, visit.contact_id),
    sk: `${sortKeys.widgetVisitPrefix}${visit.at}#${visit.event_id}`,
    entity: 'widget_visit',
    ...visit,
    // Free-form: its exact text (free-form.ts).
    event_info: packFreeForm(freeFormText(visit.event_info)),
  },
  condition: absent,
  guard: writtenOnce,
});

/** A contact's widget visits, oldest first. `Query pk=A#a#CT#c AND begins_with(sk, 'WV#')`. */
export const listWidgetVisits = async (
  deps: StoreDeps,
  args: { accountId: number; contactId: number },
): Promise<WidgetVisitRecord[]> => {
  const items = await queryItems(deps, {
    keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)',
    names: { '#pk': 'pk', '#sk': 'sk' },
    values: { ':pk': contactPk(args.accountId, args.contactId), ':prefix': sortKeys.widgetVisitPrefix },
  });
  return items.map(({ pk: _pk, sk: _sk, entity: _entity, ...visit }) => ({
    ...(visit as unknown as WidgetVisitRecord),
    event_info: readInitiatedRecord(visit.event_info),
  }));
};
