import * as v from 'valibot';
import type { HandledEventName } from '#contracts/routes.ts';
import {
  type Entries,
  ID_MESSAGE,
  keyEntries,
  keyPredicates,
  messageTypeNames,
  type Scalar,
  type Spec,
} from './key-specs.ts';

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

const Id = v.pipe(v.number(), v.safeInteger(ID_MESSAGE));
const scalarSchemas: Record<Scalar, v.GenericSchema> = {
  id: Id,
  'id?': v.nullish(Id),
  string: v.string(),
  'string?': v.nullish(v.string()),
  'boolean?': v.nullish(v.boolean()),
  message_type: v.union([v.picklist(messageTypeNames), v.picklist([0, 1, 2, 3])]),
  'sender_type?': v.nullish(v.string()),
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

export interface KeyRules {
  /** The valibot form: documentation and readable issues. */
  schema: v.GenericSchema;
  /** The compiled predicate: same rules, for the hot path. */
  check: (payload: unknown) => boolean;
}

/** The key rules of a handled event: its valibot form built here, its predicate from key-specs.ts. */
export const keyRules = (event: HandledEventName): KeyRules => ({
  schema: v.object({ event: v.literal(event), ...objectSchema(keyEntries[event]).entries }),
  check: keyPredicates[event],
});
