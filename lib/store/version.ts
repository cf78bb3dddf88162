import { createHash } from 'node:crypto';

/**
 * Version strings that make every guarded write converge (pure: no AWS SDK).
 *
 * A version is a string that DynamoDB compares lexicographically in a ConditionExpression
 * (`#v < :v`), so "newer wins" and every tie-break live in one attribute and one comparison:
 *   `<time µs, 17 digits>#<content hash>`                  entities (conversation, contact, user…)
 *   `<class digit>#<time µs, 17 digits>#<content hash>`    message content (class: snapshot < create < update < delete)
 * Equal versions mean equal content, so re-applying an event is a no-op; two different contents
 * carrying the same time are ordered by their hash, so the winner never depends on arrival order.
 */

const TIME_DIGITS = 17;

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export const stableStringify = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
};

export const contentHash = (value: unknown): string =>
  createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);

/** ISO-8601 → integer microseconds since the epoch (NaN-safe: unparsable reads as 0). */
export const isoToMicros = (iso: string): number => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms * 1000 : 0;
};

export const microsToIso = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString();

const padTime = (micros: number): string =>
  String(Math.max(0, Math.trunc(micros))).padStart(TIME_DIGITS, '0');

/** `<time>#<hash>`: the version of an entity whose content is `content`, seen at `micros`. */
export const entityVersion = (micros: number, content: unknown): string =>
  `${padTime(micros)}#${contentHash(content)}`;

/** Message content precedence: a delete beats any update, an update beats the create, the create beats a snapshot. */
export const messageClass = { snapshot: 0, create: 1, update: 2, delete: 3 } as const;
export type MessageClass = keyof typeof messageClass;

export const messageVersion = (cls: MessageClass, micros: number, content: unknown): string =>
  `${messageClass[cls]}#${padTime(micros)}#${contentHash(content)}`;

/**
 * When an event happened, by the best clock it carries: the sender's `X-Chatwoot-Timestamp`, else
 * our receive time (design.md). Conversation payloads have a better one, `updated_at_us`.
 */
export const eventMicros = (meta: { senderTimestamp: string | null; receivedAt: string }): number =>
  isoToMicros(meta.senderTimestamp ?? meta.receivedAt);
