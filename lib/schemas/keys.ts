import * as v from 'valibot';
import { messageTypeNames } from './message.ts';

/**
 * Key checks: what the ingest validates on its hot path, within its CPU budget (verify + parse +
 * validate + build ≤ 1.5× parse + build). Only the event name and the ids and key types the workers
 * store by; no transforms, no walk of the whole body.
 *
 * Each event's keys are written once, as a small spec, and compiled twice:
 * - into a valibot schema (`keySchema`): the documented contract, and the source of readable issues;
 * - into a plain predicate (`check`): the same rules without valibot's per-node allocations, ~10×
 *   faster. The ingest runs the predicate and only asks the schema for issues when it fails.
 * Every rule here is also enforced by the full schema (`events.ts`), so whatever the full schema
 * accepts passes here too (test/schemas checks both on every fixture, and that check ≡ keySchema).
 */

type Scalar = 'id' | 'id?' | 'string' | 'string?' | 'boolean?' | 'message_type' | 'sender_type?';
/** `required`: must be an object; `nullish`: also null/absent; `blankable`: also "" (like `nullableObject`). */
type ObjectSpec = { object: Entries; presence: 'required' | 'nullish' | 'blankable' };
/** A nullish array of objects. */
type ListSpec = { list: Entries };
type Spec = Scalar | ObjectSpec | ListSpec;
type Entries = { readonly [key: string]: Spec };

const senderTypes = ['contact', 'user', 'agent_bot'] as const;
const messageTypeValues: readonly unknown[] = [...messageTypeNames, 0, 1, 2, 3];

const Id = v.pipe(v.number(), v.integer());
const scalarSchemas: Record<Scalar, v.GenericSchema> = {
  id: Id,
  'id?': v.nullish(Id),
  string: v.string(),
  'string?': v.nullish(v.string()),
  'boolean?': v.nullish(v.boolean()),
  message_type: v.union([v.picklist(messageTypeNames), v.picklist([0, 1, 2, 3])]),
  'sender_type?': v.nullish(v.picklist(senderTypes)),
};

const isInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x);
const scalarChecks: Record<Scalar, (x: unknown) => boolean> = {
  id: isInt,
  'id?': (x) => x == null || isInt(x),
  string: (x) => typeof x === 'string',
  'string?': (x) => x == null || typeof x === 'string',
  'boolean?': (x) => x == null || typeof x === 'boolean',
  message_type: (x) => messageTypeValues.includes(x),
  'sender_type?': (x) => x == null || (senderTypes as readonly unknown[]).includes(x),
};

// Non-loose `v.object`: it ignores (never rejects) unknown keys, and skips copying them, which
// looseObject would do for nothing here: checkKeys returns the payload itself, not the output.
const toSchema = (spec: Spec): v.GenericSchema => {
  if (typeof spec === 'string') return scalarSchemas[spec];
  if ('list' in spec) return v.nullish(v.array(objectSchema(spec.list)));
  const object = objectSchema(spec.object);
  if (spec.presence === 'required') return object;
  if (spec.presence === 'nullish') return v.nullish(object);
  return v.nullish(v.union([v.literal(''), object]));
};
const objectSchema = (entries: Entries) =>
  v.object(Object.fromEntries(Object.entries(entries).map(([key, spec]) => [key, toSchema(spec)])));

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

export interface KeyRules {
  /** The valibot form: documentation and readable issues. */
  schema: v.GenericSchema;
  /** The compiled predicate: same rules, for the hot path. */
  check: (payload: unknown) => boolean;
}

const rules = (event: string, entries: Entries): KeyRules => {
  const spec: Entries = { ...entries };
  const schema = v.object({ event: v.literal(event), ...objectSchema(spec).entries });
  const body = objectCheck(spec);
  return {
    schema,
    check: (payload) =>
      payload !== null &&
      typeof payload === 'object' &&
      (payload as { event?: unknown }).event === event &&
      body(payload),
  };
};

const withId: Spec = { object: { id: 'id' }, presence: 'blankable' };

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
      sender: withId,
      assignee: { object: { id: 'id', type: 'sender_type?' }, presence: 'blankable' },
      team: withId,
    },
  },
  contact_inbox: { object: { id: 'id', source_id: 'string?' }, presence: 'blankable' },
  messages: { list: { id: 'id', message_type: 'message_type' } },
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
  sender: { object: { id: 'id', type: 'sender_type?' }, presence: 'blankable' },
  account: withId,
  inbox: withId,
  conversation: {
    object: { id: 'id', display_id: 'id?', account_id: 'id?', account: withId, status: 'string' },
    presence: 'blankable',
  },
  attachments: { list: { id: 'id' } },
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
  current_conversation: { object: { id: 'id', status: 'string' }, presence: 'blankable' },
};

export const conversationKeyRules = (event: string): KeyRules => rules(event, conversationKeys);
export const messageKeyRules = (event: string): KeyRules => rules(event, messageKeys);
export const contactKeyRules = (event: string): KeyRules => rules(event, contactKeys);
export const webwidgetKeyRules: KeyRules = rules('webwidget_triggered', webwidgetKeys);
