import { AppError } from '#lib/errors.ts';
import { toIsoTime } from '#lib/schemas/time.ts';
import type { ContactEvent, Conversation, HandledEvent, MessageEvent } from '#lib/schemas/types.ts';
import { contactWrite } from '#lib/store/contact.ts';
import { conversationStateWrite } from '#lib/store/conversation.ts';
import { inboxWrite } from '#lib/store/inbox.ts';
import { messageContentWrite, messageSnapshotWrites } from '#lib/store/message.ts';
import { conversationChangeWrite, statusChangeWrite } from '#lib/store/status-history.ts';
import { teamWrite } from '#lib/store/team.ts';
import { userWrite } from '#lib/store/user.ts';
import { microsToIso } from '#lib/store/version.ts';
import { widgetVisitWrite } from '#lib/store/widget-visit.ts';
import { type Write, writeKey } from '#lib/store/write.ts';

/**
 * What one normalised event writes (docs/data-model.md, "Write plan"): a pure function from the
 * event to a list of single-item conditional writes. No reads, no transactions.
 */

export interface PlanContext {
  eventId: string;
  /** The account the event is filed under. */
  accountId: number;
  /** The event's time in µs (sender timestamp, else receive time): the fallback version. */
  eventMicros: number;
  /** The body's exact `changed_attributes` text, stored as the change record (free-form). */
  changedAttributesJson?: string;
}

export class UnkeyableEventError extends AppError {
  override name = 'UnkeyableEventError';
}

/** The state of a conversation snapshot and everything it references, versioned by its `updated_at`. */
const conversationSnapshot = (conversation: Conversation, ctx: PlanContext): Write[] => {
  const { accountId } = ctx;
  const micros = conversation.updated_at_us ?? ctx.eventMicros;
  const writes: Write[] = [conversationStateWrite(accountId, conversation, ctx.eventMicros)];
  if (conversation.contact !== null) writes.push(contactWrite(accountId, conversation.contact, micros));
  if (conversation.assignee !== null) {
    const write = userWrite(accountId, conversation.assignee, micros);
    if (write !== null) writes.push(write);
  }
  if (conversation.team !== null) writes.push(teamWrite(accountId, conversation.team, micros));
  for (const message of conversation.messages) {
    writes.push(...messageSnapshotWrites(accountId, conversation.id, message));
  }
  return writes;
};

const statusChanges = (
  event: HandledEvent & { event: `conversation_${string}` },
  ctx: PlanContext,
): Write[] => {
  const { conversation } = event;
  const at = conversation.updated_at ?? microsToIso(ctx.eventMicros);
  const changed = event.changed_attributes?.find((change) => change.attribute === 'status');
  if (changed !== undefined) {
    const to = typeof changed.current_value === 'string' ? changed.current_value : conversation.status;
    const from = typeof changed.previous_value === 'string' ? changed.previous_value : null;
    if (from === to) return [];
    return [statusChangeWrite(ctx.accountId, conversation.id, { from, to, at, event_id: ctx.eventId })];
  }
  // Older senders send conversation_status_changed with no changed_attributes: we know only the new status.
  if (event.event === 'conversation_status_changed' && event.changed_attributes === null)
    return [
      statusChangeWrite(ctx.accountId, conversation.id, {
        from: null,
        to: conversation.status,
        at,
        event_id: ctx.eventId,
      }),
    ];
  return [];
};

const messageWrites = (event: MessageEvent, ctx: PlanContext): Write[] => {
  const { message } = event;
  const conversationId = message.conversation_id ?? event.conversation?.id ?? null;
  if (conversationId === null) throw new UnkeyableEventError('message has no conversation id');
  const writes: Write[] = [
    messageContentWrite(
      ctx.accountId,
      conversationId,
      message,
      event.event === 'message_created'
        ? { kind: 'create' }
        : { kind: 'update', micros: ctx.eventMicros, at: microsToIso(ctx.eventMicros) },
    ),
  ];
  if (message.sender !== null) {
    const write = userWrite(
      ctx.accountId,
      message.sender,
      event.conversation?.updated_at_us ?? ctx.eventMicros,
    );
    if (write !== null) writes.push(write);
  }
  if (event.inbox !== null) writes.push(inboxWrite(ctx.accountId, event.inbox, ctx.eventMicros));
  if (event.conversation !== null)
    writes.push(...withoutSnapshotFill(conversationSnapshot(event.conversation, ctx), writes[0]!));
  return writes;
};

/**
 * The event's own message usually appears in its `conversation.messages[]` too. Its content write
 * beats any snapshot fill (class `create`/`update` > `snapshot`), so filling it in from the snapshot
 * is a write that at best lands first and is overwritten: drop it, and keep only the snapshot's
 * delivery status for that message (a separate guard, `sv`).
 */
const withoutSnapshotFill = (writes: Write[], content: Write): Write[] => {
  const key = JSON.stringify(writeKey(content));
  return writes.flatMap((write): Write[] => {
    if (write.kind !== 'update' || write === content || JSON.stringify(writeKey(write)) !== key)
      return [write];
    if (write.guard?.attribute === 'cv' && write.guard.value === '') return [];
    if (write.guard?.attribute === 'sv') return [{ ...write, setIfAbsent: {} }];
    return [write];
  });
};

/**
 * contact_updated fires on every incoming message with the new `last_activity_at` only in
 * `changed_attributes`: the contact's shape itself omits it.
 */
const withChangedActivity = (event: ContactEvent): ContactEvent['contact'] => {
  if (event.contact.last_activity_at !== null) return event.contact;
  const change = event.changed_attributes?.find((item) => item.attribute === 'last_activity_at');
  const current = change === undefined ? null : toIsoTime(change.current_value);
  return current === null ? event.contact : { ...event.contact, last_activity_at: current };
};

/** The widget reports when the visitor opened it (`event_info.initiated_at.timestamp`). */
const visitTime = (info: Record<string, unknown>): string | null => {
  const initiated = info.initiated_at;
  return typeof initiated === 'object' && initiated !== null
    ? toIsoTime((initiated as { timestamp?: unknown }).timestamp)
    : null;
};

/** Every write an event makes, minus writes superseded by another write of the same plan. */
export const planWrites = (event: HandledEvent, ctx: PlanContext): Write[] => {
  let writes: Write[];
  switch (event.event) {
    case 'conversation_created':
    case 'conversation_updated':
    case 'conversation_status_changed':
      writes = [...conversationSnapshot(event.conversation, ctx), ...statusChanges(event, ctx)];
      if (event.event === 'conversation_updated' && event.changed_attributes !== null)
        writes.push(
          conversationChangeWrite(
            ctx.accountId,
            event.conversation.id,
            {
              at: event.conversation.updated_at ?? microsToIso(ctx.eventMicros),
              event_id: ctx.eventId,
              changes: event.changed_attributes,
            },
            ctx.changedAttributesJson,
          ),
        );
      break;
    case 'message_created':
    case 'message_updated':
      writes = messageWrites(event, ctx);
      break;
    case 'contact_created':
    case 'contact_updated':
      writes = [contactWrite(ctx.accountId, withChangedActivity(event), ctx.eventMicros)];
      break;
    case 'webwidget_triggered':
      writes = [
        widgetVisitWrite({
          account_id: ctx.accountId,
          contact_id: event.contact.id,
          contact_inbox_id: event.contact_inbox_id,
          inbox_id: event.inbox?.id ?? null,
          source_id: event.source_id,
          conversation_id: event.current_conversation?.id ?? null,
          event_info: event.event_info,
          at: visitTime(event.event_info) ?? microsToIso(ctx.eventMicros),
          event_id: ctx.eventId,
        }),
        contactWrite(ctx.accountId, event.contact, ctx.eventMicros),
      ];
      if (event.inbox !== null) writes.push(inboxWrite(ctx.accountId, event.inbox, ctx.eventMicros));
      if (event.current_conversation !== null)
        writes.push(...conversationSnapshot(event.current_conversation, ctx));
      break;
  }
  return dropSuperseded(writes);
};

/**
 * Two versioned puts of the same item in one plan (the assignee who also sent the message) would
 * race for the same outcome: keep only the one the guard would keep, and save a write.
 */
const dropSuperseded = (writes: Write[]): Write[] => {
  const best = new Map<string, Write>();
  const kept: Write[] = [];
  for (const write of writes) {
    if (write.kind !== 'put' || write.version === undefined) {
      kept.push(write);
      continue;
    }
    const key = JSON.stringify(writeKey(write));
    const current = best.get(key);
    if (current === undefined || (current.kind === 'put' && (current.version ?? '') < write.version))
      best.set(key, write);
  }
  return [...kept, ...best.values()];
};
