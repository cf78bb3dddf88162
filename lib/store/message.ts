import { gunzipSync, gzipSync } from 'node:zlib';
import type { Attachment, Message } from '#lib/schemas/types.ts';
import { freeFormText, packFreeForm, readRecord } from './free-form.ts';
import { conversationPk, padId, sortKeys } from './keys.ts';
import { getItem, type Item, pick, queryItems } from './read.ts';
import { isoToMicros, type MessageClass, messageVersion } from './version.ts';
import type { StoreDeps, UpdateWrite } from './write.ts';

/**
 * Message: one item per message, under its conversation, sorted by id (Chatwoot ids grow with
 * creation, so id order is conversation order).
 *
 *   pk  A#<account>#C#<conversation>   sk  M#<padded message id>
 *
 * Two independently guarded groups of attributes live on the item:
 * - content (`cv`): written by message_created / message_updated and by snapshots, ordered by
 *   class then time (version.ts): a delete beats every update, an update beats the create, the
 *   create beats a snapshot. So an update never loses to an older create, a late create never
 *   resurrects edited or deleted content, and `deleted` is sticky.
 * - delivery status (`sv`): only `conversation.messages[]` snapshots reveal it; ordered by the
 *   snapshot message's own `updated_at`.
 */

export const messageKey = (accountId: number, conversationId: number, messageId: number) => ({
  pk: conversationPk(accountId, conversationId),
  sk: `${sortKeys.messagePrefix}${padId(messageId)}`,
});

export interface AttachmentRecord {
  id: number;
  file_type: string | null;
  extension: string | null;
  data_url: string | null;
  thumb_url: string | null;
  file_size: number | null;
  width: number | null;
  height: number | null;
}

/** A stored message, as `mhub conversation --json` prints it. */
export interface MessageRecord {
  account_id: number;
  conversation_id: number;
  id: number;
  inbox_id: number | null;
  message_type: string;
  private: boolean;
  content: string | null;
  content_type: string;
  content_attributes: Record<string, unknown>;
  deleted: boolean;
  /** Delivery status (`sent`, `delivered`, `read`, `failed`) when a snapshot revealed it. */
  status: string | null;
  sender_type: string | null;
  sender_id: number | null;
  attachments: AttachmentRecord[];
  source_id: string | null;
  created_at: string | null;
  /** Time of the last update that set the content (null while only the create is known). */
  updated_at: string | null;
  /** Present (true) only when the content was too large for an item even gzipped and was cut. */
  content_truncated?: true;
}

const recordFields = [
  'account_id',
  'conversation_id',
  'id',
  'inbox_id',
  'message_type',
  'private',
  'content',
  'content_type',
  'content_attributes',
  'deleted',
  'status',
  'sender_type',
  'sender_id',
  'attachments',
  'source_id',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof MessageRecord)[];

const toAttachment = (a: Attachment): AttachmentRecord => ({
  id: a.id,
  file_type: a.file_type,
  extension: a.extension,
  data_url: a.data_url,
  thumb_url: a.thumb_url,
  file_size: a.file_size,
  width: a.width,
  height: a.height,
});

/** Content above this many UTF-8 bytes is stored gzipped (`content_gz`): writes are billed per started KB. */
export const CONTENT_GZIP_THRESHOLD_BYTES = 2048;
/** A DynamoDB item holds at most 400 KB: content that stays bigger than this once gzipped is cut. */
const MAX_STORED_CONTENT_BYTES = 300_000;

/** How the content attributes are stored: plain, gzipped, or (beyond any item size) cut and flagged. */
const storedContent = (content: string | null) => {
  if (content === null || Buffer.byteLength(content, 'utf8') <= CONTENT_GZIP_THRESHOLD_BYTES)
    return { content, content_gz: null, content_truncated: false };
  let kept = content;
  let gz = gzipSync(kept);
  while (gz.length > MAX_STORED_CONTENT_BYTES) {
    kept = kept.slice(0, Math.floor(kept.length / 2));
    gz = gzipSync(kept);
  }
  return { content: null, content_gz: gz, content_truncated: kept.length < content.length };
};

export const isDeleted = (message: Message): boolean => message.content_attributes.deleted === true;

/**
 * The content attributes of a message (everything except delivery status), with
 * `content_attributes` as its exact JSON text (free-form.ts): what the version hashes.
 */
type StoredContent = Omit<MessageRecord, 'status' | 'content_attributes'> & { content_attributes: string };
const contentOf = (
  accountId: number,
  conversationId: number,
  m: Message,
  updatedAt: string | null,
): StoredContent => ({
  account_id: accountId,
  conversation_id: conversationId,
  id: m.id,
  inbox_id: m.inbox_id,
  message_type: m.message_type,
  private: m.private,
  content: m.content,
  content_type: m.content_type,
  content_attributes: freeFormText(m.content_attributes),
  deleted: isDeleted(m),
  sender_type: m.sender?.type ?? null,
  sender_id: m.sender?.id ?? null,
  attachments: m.attachments.map(toAttachment),
  source_id: m.source_id,
  created_at: m.created_at,
  updated_at: updatedAt,
});

/** The attributes of stored content: large content gzipped, `content_attributes` packed. */
const packed = (content: StoredContent) => ({
  ...content,
  ...storedContent(content.content),
  content_attributes: packFreeForm(content.content_attributes),
});

/**
 * The content write of a top-level message event.
 * - `message_created`: class `create`, time = the message's `created_at`.
 * - `message_updated`: class `update` (or `delete` when it carries `{deleted: true}`), time = the
 *   event's time (top-level messages carry no `updated_at`).
 */
export const messageContentWrite = (
  accountId: number,
  conversationId: number,
  message: Message,
  how: { kind: 'create' } | { kind: 'update'; micros: number; at: string },
): UpdateWrite => {
  const cls: MessageClass = isDeleted(message) ? 'delete' : how.kind === 'create' ? 'create' : 'update';
  const micros = how.kind === 'create' ? isoToMicros(message.created_at ?? '') : how.micros;
  const content = contentOf(accountId, conversationId, message, how.kind === 'create' ? null : how.at);
  const cv = messageVersion(cls, micros, content);
  return {
    kind: 'update',
    entity: 'message',
    key: messageKey(accountId, conversationId, message.id),
    set: { entity: 'message', ...packed(content), cv },
    setIfAbsent: { status: null },
    condition: {
      expression: 'attribute_not_exists(#cv) OR #cv < :cv',
      names: { '#cv': 'cv' },
      values: { ':cv': cv },
    },
    guard: { attribute: 'cv', value: cv, wins: 'higher' },
  };
};

/**
 * The writes of one `conversation.messages[]` snapshot entry: fill the message in while it is
 * unknown (class `snapshot`, which any create or update overwrites), and record its delivery status
 * when it is newer than the stored one. A snapshot that shows the message deleted also writes the
 * content as a delete, since a delete must stick even if we never saw its message_updated.
 */
export const messageSnapshotWrites = (
  accountId: number,
  conversationId: number,
  message: Message,
): UpdateWrite[] => {
  const key = messageKey(accountId, conversationId, message.id);
  const content = contentOf(accountId, conversationId, message, null);
  const writes: UpdateWrite[] = [];
  const micros = isoToMicros(message.updated_at ?? message.created_at ?? '');
  const fill = {
    entity: 'message',
    ...packed(content),
    cv: messageVersion('snapshot', micros, content),
  };
  if (isDeleted(message)) {
    writes.push(
      messageContentWrite(accountId, conversationId, message, {
        kind: 'update',
        micros,
        at: message.updated_at ?? message.created_at ?? '',
      }),
    );
  }
  if (message.status === null) {
    if (!isDeleted(message))
      writes.push({
        kind: 'update',
        entity: 'message',
        key,
        set: {},
        setIfAbsent: { ...fill, status: null },
        condition: { expression: 'attribute_not_exists(#cv)', names: { '#cv': 'cv' } },
        // Any content at all refuses the fill: '' is below every version.
        guard: { attribute: 'cv', value: '', wins: 'higher' },
      });
    return writes;
  }
  const sv = messageVersion('snapshot', micros, message.status);
  writes.push({
    kind: 'update',
    entity: 'message',
    key,
    set: { status: message.status, sv },
    setIfAbsent: isDeleted(message) ? {} : fill,
    condition: {
      expression: 'attribute_not_exists(#sv) OR #sv < :sv',
      names: { '#sv': 'sv' },
      values: { ':sv': sv },
    },
    guard: { attribute: 'sv', value: sv, wins: 'higher' },
  });
  return writes;
};

export const messageFromItem = (item: Item): MessageRecord => {
  const record = pick(item, recordFields) as unknown as MessageRecord;
  record.content_attributes = readRecord(item.content_attributes);
  if (item.content_gz instanceof Uint8Array) record.content = gunzipSync(item.content_gz).toString('utf8');
  return item.content_truncated === true ? { ...record, content_truncated: true } : record;
};

/** Get one message. `GetItem pk=A#a#C#c sk=M#<padded id>`. */
export const getMessage = async (
  deps: StoreDeps,
  args: { accountId: number; conversationId: number; messageId: number },
): Promise<MessageRecord | null> => {
  const item = await getItem(deps, messageKey(args.accountId, args.conversationId, args.messageId));
  return item === null ? null : messageFromItem(item);
};

/** A conversation's messages in conversation order. `Query pk=A#a#C#c AND begins_with(sk, 'M#')`. */
export const listMessages = async (
  deps: StoreDeps,
  args: { accountId: number; conversationId: number },
): Promise<MessageRecord[]> => {
  const items = await queryItems(deps, {
    keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)',
    names: { '#pk': 'pk', '#sk': 'sk' },
    values: { ':pk': conversationPk(args.accountId, args.conversationId), ':prefix': sortKeys.messagePrefix },
  });
  return items.map(messageFromItem);
};
