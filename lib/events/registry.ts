import * as v from 'valibot';
import { type EventRoute, type HandledEventName, routeOfEvent } from '#contracts/routes.ts';
import {
  ContactCreatedSchema,
  ContactUpdatedSchema,
  ConversationCreatedSchema,
  ConversationStatusChangedSchema,
  ConversationUpdatedSchema,
  MessageCreatedSchema,
  MessageUpdatedSchema,
  WebwidgetTriggeredSchema,
} from '#lib/schemas/events.ts';
import { keyPredicates } from '#lib/schemas/key-specs.ts';
import { keyRules } from '#lib/schemas/keys.ts';
import type {
  ContactEvent,
  ConversationEvent,
  MessageEvent,
  WidgetTriggeredEvent,
} from '#lib/schemas/types.ts';

/**
 * The event registry: each handled event name → its route (queue + DLQ + worker suffix), its cheap
 * key schema (ingest) and its full normalising schema (workers). Adding an event = one entry here,
 * its name in `catalog.ts`, and its worker.
 */

/** The normalised event type of one event name. */
export type EventOf<E extends HandledEventName> = E extends ConversationEvent['event']
  ? ConversationEvent
  : E extends MessageEvent['event']
    ? MessageEvent
    : E extends ContactEvent['event']
      ? ContactEvent
      : WidgetTriggeredEvent;

export interface RegistryEntry<E extends HandledEventName> {
  event: E;
  route: EventRoute;
  /** No transforms: event name + ids and key types. Used by the ingest to route or quarantine. */
  keySchema: v.GenericSchema<unknown, unknown>;
  /** Validates and normalises into the form of `types.ts`. Used by the workers. */
  schema: v.GenericSchema<unknown, EventOf<E>>;
}

const entry = <E extends HandledEventName>(
  event: E,
  schema: v.GenericSchema<unknown, EventOf<E>>,
): RegistryEntry<E> => ({ event, route: routeOfEvent(event), keySchema: keyRules(event).schema, schema });

export const eventRegistry: { readonly [E in HandledEventName]: RegistryEntry<E> } = {
  conversation_created: entry('conversation_created', ConversationCreatedSchema),
  conversation_updated: entry('conversation_updated', ConversationUpdatedSchema),
  conversation_status_changed: entry('conversation_status_changed', ConversationStatusChangedSchema),
  message_created: entry('message_created', MessageCreatedSchema),
  message_updated: entry('message_updated', MessageUpdatedSchema),
  webwidget_triggered: entry('webwidget_triggered', WebwidgetTriggeredSchema),
  contact_created: entry('contact_created', ContactCreatedSchema),
  contact_updated: entry('contact_updated', ContactUpdatedSchema),
};

/** One validation issue, readable by an operator: where (`conversation.messages[0].id`), what, expected/received. */
export interface ReadableIssue {
  path: string;
  message: string;
  expected?: string | undefined;
  received?: string | undefined;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ReadableIssue[] };

type Issue = v.BaseIssue<unknown>;

const pathOf = (items: readonly { key: unknown }[]): string => {
  if (items.length === 0) return '$';
  let out = '';
  for (const item of items) {
    const key = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
};

/**
 * A union (`null | "" | {…}` optional objects) reports one flat issue at its own level and hides the
 * real cause in `issue.issues`. Surface the nested causes (those with a deeper path) instead, with
 * the union's path in front, so an operator reads `conversation.id`, not `conversation`.
 */
const flatten = (
  issue: Issue,
  prefix: readonly { key: unknown }[] = [],
): { issue: Issue; path: string }[] => {
  const path = [...prefix, ...(issue.path ?? [])];
  const deeper =
    issue.type === 'union' ? (issue.issues ?? []).filter((sub) => (sub.path?.length ?? 0) > 0) : [];
  if (deeper.length === 0) return [{ issue, path: pathOf(path) }];
  return deeper.flatMap((sub) => flatten(sub, path));
};

export const toReadableIssues = (issues: readonly Issue[]): ReadableIssue[] =>
  issues.flatMap((top) =>
    flatten(top).map(({ issue, path }) => ({
      path,
      message: issue.message,
      expected: issue.expected ?? undefined,
      received: issue.received,
    })),
  );

const run = <T>(schema: v.GenericSchema<unknown, T>, payload: unknown): ValidationResult<T> => {
  try {
    const result = v.safeParse(schema, payload);
    return result.success
      ? { ok: true, value: result.output }
      : { ok: false, issues: toReadableIssues(result.issues) };
  } catch (error) {
    // A transform tripping over a shape nobody foresaw is a misfit too: never an exception.
    return {
      ok: false,
      issues: [{ path: '$', message: `normalisation failed: ${(error as Error)?.message}` }],
    };
  }
};

/** Ingest: cheap check of the event name and the ids/key types workers need. The value is the (loose) payload. */
export const checkKeys = (event: HandledEventName, payload: unknown): ValidationResult<unknown> =>
  keyPredicates[event](payload) ? { ok: true, value: payload } : run(eventRegistry[event].keySchema, payload);

/** Workers: validate and normalise a payload into its `types.ts` form, or say why it misfits. */
export const normaliseEvent = <E extends HandledEventName>(
  event: E,
  payload: unknown,
): ValidationResult<EventOf<E>> =>
  run(eventRegistry[event].schema as v.GenericSchema<unknown, EventOf<E>>, payload);

const MAX_FIELD_CHARS = 300;
const clip = (s: string | undefined): string | undefined =>
  s === undefined || s.length <= MAX_FIELD_CHARS ? s : `${s.slice(0, MAX_FIELD_CHARS)}…`;

/**
 * Issues as compact JSON (an array of `{path, message, expected?, received?}`) of at most `maxBytes`
 * UTF-8 bytes, always valid JSON: long fields are clipped, and issues that do not fit are replaced by
 * one `{"path":"$","message":"N more issues omitted"}` entry.
 */
export const formatIssues = (issues: ReadableIssue[], maxBytes = 8192): string => {
  const parts: string[] = [];
  let bytes = 2; // "[" + "]"
  for (let i = 0; i < issues.length; i++) {
    const issue = issues[i]!;
    const part = JSON.stringify({
      path: clip(issue.path),
      message: clip(issue.message),
      expected: clip(issue.expected),
      received: clip(issue.received),
    });
    const partBytes = Buffer.byteLength(part) + (parts.length > 0 ? 1 : 0);
    const remaining = issues.length - i - 1;
    const tail =
      remaining > 0
        ? Buffer.byteLength(JSON.stringify({ path: '$', message: `${remaining} more issues omitted` })) + 1
        : 0;
    if (bytes + partBytes + tail > maxBytes) {
      const omitted = JSON.stringify({ path: '$', message: `${issues.length - i} more issues omitted` });
      const omittedBytes = Buffer.byteLength(omitted) + (parts.length > 0 ? 1 : 0);
      if (bytes + omittedBytes <= maxBytes) parts.push(omitted);
      break;
    }
    parts.push(part);
    bytes += partBytes;
  }
  return `[${parts.join(',')}]`;
};
