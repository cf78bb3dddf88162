import * as v from 'valibot';
import type { ChangedAttribute } from './types.ts';

/**
 * `changed_attributes`: `[{"<attribute>": {previous_value, current_value}}, …]` (one key per item on
 * the wire; several keys per item are accepted too), or null/absent on older senders. Flattened to
 * `[{attribute, previous_value, current_value}]`; values are kept exactly as sent.
 */
const ChangeSchema = v.looseObject({
  previous_value: v.optional(v.unknown()),
  current_value: v.optional(v.unknown()),
});
const ChangeItemSchema = v.record(v.string(), ChangeSchema);

const flatten = (items: v.InferOutput<typeof ChangeItemSchema>[]): ChangedAttribute[] =>
  items.flatMap((item) =>
    Object.entries(item).map(([attribute, change]) => ({
      attribute,
      previous_value: change.previous_value ?? null,
      current_value: change.current_value ?? null,
    })),
  );

export const ChangedAttributesSchema = v.pipe(
  v.nullish(v.union([v.array(ChangeItemSchema), ChangeItemSchema]), null),
  v.transform((value): ChangedAttribute[] | null =>
    value === null ? null : flatten(Array.isArray(value) ? value : [value]),
  ),
);
export type ChangedAttributesInput = v.InferInput<typeof ChangedAttributesSchema>;
export type ChangedAttributesOutput = v.InferOutput<typeof ChangedAttributesSchema>;
