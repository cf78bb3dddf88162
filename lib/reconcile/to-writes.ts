import { normaliseEvent, type ReadableIssue } from '#lib/events/registry.ts';
import type { ConversationEvent } from '#lib/schemas/types.ts';
import type { ConversationRecord } from '#lib/store/conversation.ts';
import type { Write } from '#lib/store/write.ts';
import { planWrites } from '#lib/workers/plan.ts';

/**
 * API shapes → the webhook path's normaliser and write plan, so a fact reaches one state whichever
 * way it came. An API conversation (the `_conversation` partial) with a page of its messages (the
 * `_message` partial: the same fields as a `conversation.messages[]` snapshot, integer message_type
 * and unix created_at) is exactly a conversation snapshot: it is read as a `conversation_updated`
 * with `changed_attributes: null`, which plans the state write and the message snapshot writes and
 * no status or change history (the API does not know who changed what, or when).
 *
 * Versions come from the payload's own times: the conversation's `updated_at` float, and each
 * message's `created_at` at snapshot class (lib/store/version.ts), so a webhook's create, edit or
 * delete always wins over what the API shows, a delete the API shows sticks, and a message the
 * webhooks never brought is filled in. Two rules keep the webhooks' state intact:
 * - the view lacks `contact_inbox` (and older ones `channel` at the top): they are taken from the
 *   stored conversation, so a repair never blanks them;
 * - at the very same `updated_at` a webhook wins: the API version is one microsecond lower, since
 *   the webhook's body is the fuller one. A view with no `updated_at` (old Chatwoot) ranks below
 *   every webhook: it only fills in a conversation we do not have.
 */

/** Activity messages ("marked resolved by …") are never sent as webhooks: the API's are not stored either. */
const ACTIVITY = 2;

export type ApiPlan = { ok: true; writes: Write[] } | { ok: false; issues: ReadableIssue[] };

const asObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const isActivity = (message: unknown): boolean => asObject(message).message_type === ACTIVITY;

/** The stored fields the API view omits, in the webhook's shape. */
const storedExtras = (conversation: Record<string, unknown>, stored: ConversationRecord | null) => {
  const extras: Record<string, unknown> = {};
  const meta = asObject(conversation.meta);
  if (conversation.channel === undefined) extras.channel = meta.channel ?? stored?.channel ?? null;
  if (conversation.contact_inbox === undefined && stored?.contact_inbox_id != null)
    extras.contact_inbox = {
      id: stored.contact_inbox_id,
      contact_id: stored.contact_id,
      inbox_id: stored.inbox_id,
    };
  return extras;
};

/**
 * The writes of one API conversation and a page of its messages (the conversation's own
 * `messages` preview when `messages` is omitted). `stored` is the conversation as stored now, or null.
 */
export const apiConversationWrites = (args: {
  accountId: number;
  conversation: unknown;
  messages?: readonly unknown[];
  stored: ConversationRecord | null;
  /** Names the writes' origin in the plan (no raw event is stored for API reads). */
  eventId: string;
}): ApiPlan => {
  const raw = asObject(args.conversation);
  const preview = Array.isArray(raw.messages) ? raw.messages : [];
  const payload = {
    ...raw,
    ...storedExtras(raw, args.stored),
    messages: (args.messages ?? preview).filter((message) => !isActivity(message)),
    event: 'conversation_updated',
    changed_attributes: null,
  };
  const normalised = normaliseEvent('conversation_updated', payload);
  if (!normalised.ok) return normalised;
  const event = normalised.value as ConversationEvent;
  const micros = event.conversation.updated_at_us;
  const conversation = { ...event.conversation, updated_at_us: micros === null ? null : micros - 1 };
  const writes = planWrites(
    { ...event, conversation },
    // eventMicros is only the fallback version, for a view with no updated_at: the oldest there is.
    { eventId: args.eventId, accountId: args.accountId, eventMicros: 0 },
  );
  return { ok: true, writes };
};
