/**
 * The one normalised internal form every handled event is turned into by its valibot schema
 * (`lib/schemas/`). Workers and storage code only ever see these shapes.
 *
 * Normalisation rules (design.md, real-payloads.md):
 * - times are ISO-8601 UTC strings (`Date#toISOString`, millisecond precision); unix seconds, float
 *   seconds and ISO input are all accepted; `0`, `""` and unparsable values read as `null` ("never");
 * - `message_type` is always a string: 0 incoming, 1 outgoing, 2 activity, 3 template;
 * - `null`, absent and `""` optional objects all become `null`; absent lists become `[]`;
 * - ids are numbers; `source_id`, `identifier`, phone numbers stay strings, never coerced;
 * - every object keeps the fields we do not model (loose objects): the normalised keys overwrite
 *   the raw ones, everything else passes through untouched.
 */

export type IsoTime = string;
export type Loose = { [key: string]: unknown };

export interface Account extends Loose {
  id: number;
  name: string | null;
}

export interface Inbox extends Loose {
  id: number;
  name: string | null;
}

export interface Contact extends Loose {
  id: number;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  identifier: string | null;
  avatar: string | null;
  thumbnail: string | null;
  blocked: boolean | null;
  additional_attributes: Loose;
  custom_attributes: Loose;
  last_activity_at: IsoTime | null;
  created_at: IsoTime | null;
  /** `account.id` when the contact carries its account (doc shape), else null. */
  account_id: number | null;
}

/**
 * The three types we model, or whatever else a sender puts there: newer Chatwoot also sends message
 * senders such as its Captain assistant, and forks add their own. Those are stored as references.
 */
export type SenderType = 'contact' | 'user' | 'agent_bot' | (string & {});

/** Who sent a message or is assigned a conversation. A contact-shaped sender without `type` is a contact. */
export interface Actor extends Loose {
  type: SenderType;
  id: number;
  name: string | null;
  email: string | null;
}

export interface Team extends Loose {
  id: number;
  name: string | null;
}

export interface ContactInbox extends Loose {
  id: number;
  contact_id: number | null;
  inbox_id: number | null;
  source_id: string | null;
  hmac_verified: boolean | null;
  created_at: IsoTime | null;
  updated_at: IsoTime | null;
}

export interface Attachment extends Loose {
  id: number;
  message_id: number | null;
  account_id: number | null;
  file_type: string | null;
  extension: string | null;
  data_url: string | null;
  thumb_url: string | null;
  file_size: number | null;
  width: number | null;
  height: number | null;
}

export type MessageType = 'incoming' | 'outgoing' | 'activity' | 'template';

export interface Message extends Loose {
  id: number;
  account_id: number | null;
  inbox_id: number | null;
  /** The conversation's per-account display id (top-level `conversation.display_id`/`id`, nested `conversation_id`). */
  conversation_id: number | null;
  content: string | null;
  message_type: MessageType;
  content_type: string;
  content_attributes: Loose;
  private: boolean;
  /** Delivery status (`sent`, `delivered`, `read`, `failed`): only nested snapshots carry it. */
  status: string | null;
  source_id: string | null;
  sender: Actor | null;
  attachments: Attachment[];
  created_at: IsoTime | null;
  updated_at: IsoTime | null;
}

export interface ChangedAttribute {
  attribute: string;
  previous_value: unknown;
  current_value: unknown;
}

export interface Conversation extends Loose {
  /** Per-account display id: conversations are keyed by (account id, id). */
  id: number;
  account_id: number | null;
  inbox_id: number | null;
  status: string;
  priority: string | null;
  labels: string[];
  custom_attributes: Loose;
  additional_attributes: Loose;
  channel: string | null;
  can_reply: boolean | null;
  unread_count: number | null;
  assignee: Actor | null;
  team: Team | null;
  /** `meta.sender`. */
  contact: Contact | null;
  contact_inbox: ContactInbox | null;
  messages: Message[];
  agent_last_seen_at: IsoTime | null;
  contact_last_seen_at: IsoTime | null;
  waiting_since: IsoTime | null;
  first_reply_created_at: IsoTime | null;
  snoozed_until: IsoTime | null;
  last_activity_at: IsoTime | null;
  timestamp: IsoTime | null;
  created_at: IsoTime | null;
  updated_at: IsoTime | null;
  /** `updated_at` as integer microseconds since the epoch: the conversation's version, when known. */
  updated_at_us: number | null;
}

interface EventBase<E extends string> {
  event: E;
  /** Account resolved from the payload (`account.id`, `account_id`, `messages[].account_id`), else null. */
  account_id: number | null;
}

export interface ConversationEvent
  extends EventBase<'conversation_created' | 'conversation_updated' | 'conversation_status_changed'> {
  conversation: Conversation;
  account: Account | null;
  /** Flattened from `[{attr: {previous_value, current_value}}]`; null when the sender sent none. */
  changed_attributes: ChangedAttribute[] | null;
}

export interface MessageEvent extends EventBase<'message_created' | 'message_updated'> {
  message: Message;
  /** The nested conversation snapshot, when present. */
  conversation: Conversation | null;
  account: Account | null;
  inbox: Inbox | null;
}

export interface ContactEvent extends EventBase<'contact_created' | 'contact_updated'> {
  contact: Contact;
  account: Account | null;
  changed_attributes: ChangedAttribute[] | null;
}

export interface WidgetTriggeredEvent extends EventBase<'webwidget_triggered'> {
  /** The payload's top-level `id`: the contact_inbox id, not the contact id. */
  contact_inbox_id: number;
  source_id: string | null;
  contact: Contact;
  inbox: Inbox | null;
  account: Account | null;
  current_conversation: Conversation | null;
  event_info: Loose;
}

export type HandledEvent = ConversationEvent | MessageEvent | ContactEvent | WidgetTriggeredEvent;
