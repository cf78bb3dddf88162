import * as v from 'valibot';
import {
  IdSchema,
  NullableIdSchema,
  NullableIntegerSchema,
  NullableNumberSchema,
  TextSchema,
} from './primitives.ts';

/** Rails enum order of Attachment#file_type, for senders that write the integer. */
const fileTypes = [
  'image',
  'audio',
  'video',
  'file',
  'location',
  'fallback',
  'share',
  'story_mention',
  'contact',
  'ig_reel',
];

/** Attachment#push_event_data. Real senders only include `attachments` when non-empty; width/height often null. */
export const AttachmentSchema = v.looseObject({
  id: IdSchema,
  message_id: NullableIdSchema,
  account_id: NullableIdSchema,
  file_type: v.pipe(
    v.nullish(v.union([v.string(), v.number()]), null),
    v.transform((t) => (typeof t === 'number' ? (fileTypes[t] ?? String(t)) : t)),
  ),
  extension: TextSchema,
  data_url: TextSchema,
  thumb_url: TextSchema,
  file_size: NullableIntegerSchema,
  width: NullableNumberSchema,
  height: NullableNumberSchema,
});
export type AttachmentInput = v.InferInput<typeof AttachmentSchema>;
export type AttachmentOutput = v.InferOutput<typeof AttachmentSchema>;
