import type { HandledEventName } from '#contracts/routes.ts';

/**
 * The key rules of every handled event as plain data, and their compiled predicates. No valibot
 * here: the ingest loads this module at cold start and runs the predicates on its hot path, while
 * the valibot form of the same rules (keys.ts, for readable issues and docs) loads only when a
 * payload misfits. See keys.ts for the whole story.
 */

export const messageTypeNames = ['incoming', 'outgoing', 'activity', 'template'] as const;

export type Scalar = 'id' | 'id?' | 'string' | 'string?' | 'boolean?' | 'message_type' | 'sender_type?';
/** `required`: must be an object; `nullish`: also null/absent; `blankable`: also "" (like `nullableObject`). */
export type ObjectSpec = { object: Entries; presence: 'required' | 'nullish' | 'blankable' };
/** A nullish array of objects. */
export type ListSpec = { list: Entries };
export type Spec = Scalar | ObjectSpec | ListSpec;
export type Entries = { readonly [key: string]: Spec };

const messageTypeValues: readonly unknown[] = [...messageTypeNames, 0, 1, 2, 3];

/**
 * Ids are safe integers: beyond 2^53 (`18446744073709551616`, `1e308`) JSON.parse has already lost
 * the sender's digits, and DynamoDB's marshaller refuses them, so such an id can neither be keyed by
 * nor stored. Fractions and non-finite values fail too.
 */
const isInt = (x: unknown): boolean => Number.isSafeInteger(x);
/** The readable issue of an id that fails `isInt` (keys.ts and primitives.ts use it). */
export const ID_MESSAGE =
  'Invalid id: expected a safe integer (|n| ≤ 2^53 − 1); beyond that, fractional or non-finite values cannot be stored exactly';
const scalarChecks: Record<Scalar, (x: unknown) => boolean> = {
  id: isInt,
  'id?': (x) => x == null || isInt(x),
  string: (x) => typeof x === 'string',
  'string?': (x) => x == null || typeof x === 'string',
  'boolean?': (x) => x == null || typeof x === 'boolean',
  message_type: (x) => messageTypeValues.includes(x),
  'sender_type?': (x) => x == null || typeof x === 'string',
};

type Check = (x: unknown) => boolean;
const toCheck = (spec: Spec): Check => {
  if (typeof spec === 'string') return scalarChecks[spec];
  if ('list' in spec) {
    const item = objectCheck(spec.list);
    return (x) => {
      if (x == null) return true;
      if (!Array.isArray(x)) return false;
      for (let i = 0; i < x.length; i++) if (!item(x[i])) return false;
      return true;
    };
  }
  const object = objectCheck(spec.object);
  if (spec.presence === 'required') return object;
  if (spec.presence === 'nullish') return (x) => x == null || object(x);
  return (x) => x == null || x === '' || object(x);
};
/** Mirrors valibot's object check: any non-null object (arrays included), each entry by its rule. */
const objectCheck = (entries: Entries): Check => {
  const keys = Object.keys(entries);
  const checks = keys.map((key) => toCheck(entries[key]!));
  return (x) => {
    if (x === null || typeof x !== 'object') return false;
    const o = x as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) if (!checks[i]!(o[keys[i]!])) return false;
    return true;
  };
};

const withId: Spec = { object: { id: 'id' }, presence: 'blankable' };

const attachmentKeys: Entries = { id: 'id', message_id: 'id?', account_id: 'id?' };
const actorKeys: Spec = { object: { id: 'id', type: 'sender_type?' }, presence: 'blankable' };

const conversationKeys: Entries = {
  id: 'id',
  display_id: 'id?',
  account_id: 'id?',
  account: withId,
  inbox_id: 'id?',
  status: 'string',
  meta: {
    presence: 'nullish',
    object: {
      sender: { object: { id: 'id', account: withId, account_id: 'id?' }, presence: 'blankable' },
      assignee: actorKeys,
      team: withId,
    },
  },
  contact_inbox: {
    object: { id: 'id', contact_id: 'id?', inbox_id: 'id?', source_id: 'string?' },
    presence: 'blankable',
  },
  messages: {
    list: {
      id: 'id',
      message_type: 'message_type',
      account_id: 'id?',
      inbox_id: 'id?',
      conversation_id: 'id?',
      sender: actorKeys,
      attachments: { list: attachmentKeys },
    },
  },
};

const messageKeys: Entries = {
  id: 'id',
  message_type: 'message_type',
  content: 'string?',
  private: 'boolean?',
  source_id: 'string?',
  account_id: 'id?',
  inbox_id: 'id?',
  conversation_id: 'id?',
  sender: actorKeys,
  account: withId,
  inbox: withId,
  conversation: { object: conversationKeys, presence: 'blankable' },
  attachments: { list: attachmentKeys },
};

const contactKeys: Entries = {
  id: 'id',
  account: withId,
  account_id: 'id?',
  identifier: 'string?',
  phone_number: 'string?',
  email: 'string?',
};

const webwidgetKeys: Entries = {
  id: 'id',
  source_id: 'string?',
  contact: { object: { id: 'id', account: withId, account_id: 'id?' }, presence: 'required' },
  account: withId,
  inbox: withId,
  current_conversation: { object: conversationKeys, presence: 'blankable' },
};

/** Each handled event's key entries (beside `event`, which must equal the name). */
export const keyEntries: Record<HandledEventName, Entries> = {
  conversation_created: conversationKeys,
  conversation_updated: conversationKeys,
  conversation_status_changed: conversationKeys,
  message_created: messageKeys,
  message_updated: messageKeys,
  webwidget_triggered: webwidgetKeys,
  contact_created: contactKeys,
  contact_updated: contactKeys,
};

const predicate = (event: string, entries: Entries): ((payload: unknown) => boolean) => {
  const body = objectCheck(entries);
  return (payload) =>
    payload !== null &&
    typeof payload === 'object' &&
    (payload as { event?: unknown }).event === event &&
    body(payload);
};

/** The compiled key predicate of every handled event: what the ingest runs per request. */
export const keyPredicates = Object.fromEntries(
  Object.entries(keyEntries).map(([event, entries]) => [event, predicate(event, entries)]),
) as Record<HandledEventName, (payload: unknown) => boolean>;
