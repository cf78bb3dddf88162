import { bodyHash, type Refused, type RequestContext, refuse } from './context.ts';
import type { ReadRequest } from './read-request.ts';

/** An authenticated body that is a JSON object naming its event. */
export interface ParsedWebhook {
  /** The body as UTF-8 text, exactly as received. */
  text: string;
  /** Whether the text holds characters an SQS text body may not (then it travels gzip+base64). */
  textUnsafe: boolean;
  payload: Record<string, unknown>;
  event: string;
  /** The delivery id, else the SHA-256 of the body. */
  eventId: string;
}

/** Event names travel as SQS attributes and metric/log values: printable, bounded. */
const ASCII_EVENT_NAME = /^[\w.:-]{1,256}$/;
const EVENT_NAME_PATTERN = /^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]{1,256}$/u;
/** What a JSON text that parsed may still hold that an SQS text body may not (see below). */
const NOT_SQS_TEXT_SAFE_AFTER_PARSE = /[\uD800-\uDFFF\uFFFE\uFFFF]/;
/**
 * Characters an SQS body may hold as text. Real SQS also allows U+10000–U+10FFFF, but the local
 * emulator (fauxqs) rejects every surrogate, so bodies with emoji go gzip+base64 (always safe):
 * one rule, the same message on AWS and locally, and the body still arrives byte-exact.
 */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

const decodeUtf8 = (read: ReadRequest): string | undefined => {
  if (typeof read.rawBody === 'string') return read.rawText;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(read.rawBody);
  } catch {
    return undefined;
  }
};

/**
 * Step 3, parse: UTF-8 (400 invalid_encoding), JSON (400 invalid_json), an object (400
 * not_an_object) with a printable string `event` (400 missing_event / invalid_event).
 */
export const parseWebhook = (read: ReadRequest, ctx: RequestContext): ParsedWebhook | Refused => {
  const text = decodeUtf8(read);
  if (text === undefined) return refuse(ctx, 400, 'invalid_encoding', 'the body is not UTF-8');
  // One scan answers both questions: a body without surrogates or U+FFFE/U+FFFF is well-formed and
  // SQS-safe as text. Only bodies with such characters need the closer look.
  const textUnsafe = NOT_SQS_TEXT_SAFE_AFTER_PARSE.test(text);
  if (textUnsafe && typeof read.rawBody === 'string' && !isWellFormed(text))
    return refuse(ctx, 400, 'invalid_encoding', 'the body is not UTF-8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return refuse(ctx, 400, 'invalid_json', 'the body is not valid JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return refuse(ctx, 400, 'not_an_object', 'the body must be a JSON object');
  const event = (payload as Record<string, unknown>).event;
  if (typeof event !== 'string') return refuse(ctx, 400, 'missing_event', 'the body needs a string "event"');
  if (!(ASCII_EVENT_NAME.test(event) || EVENT_NAME_PATTERN.test(event)))
    return refuse(ctx, 400, 'invalid_event', '"event" must be 1-256 printable characters');
  const eventId = ctx.validDelivery ?? bodyHash(read.rawBody);
  return { text, textUnsafe, payload: payload as Record<string, unknown>, event, eventId };
};
