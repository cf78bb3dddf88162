import { createHash } from 'node:crypto';
import { queueUrl } from '../../infra/naming.ts';
import {
  type HandledEventName,
  isHandledEventName,
  type RouteName,
  routeOfEvent,
} from '../events/catalog.ts';
import { type EncodedMessage, type Envelope, encodeEnvelope, keptHeaderNames } from '../events/envelope.ts';
import { infoLogsEnabled, logger } from '../observability.ts';
import { deliveryHeader, signatureHeader, timestampHeader } from '../signing.ts';
import type { SpilloverRecord } from '../spillover/record.ts';
import { authenticate } from './authenticate.ts';
import { withDeadline } from './deadline.ts';
import { headerValue, isJsonContentType, jsonResponse, rejection, type WebhookResponse } from './http.ts';
import { type Outcome, recordOutcome } from './outcome.ts';
import type { SendMessage } from './queue.ts';
import { DEFAULT_SQS_RETRY_BUDGET, type RetryBudget, withRetry } from './retry.ts';
import { DEFAULT_SPILLOVER_TIMEOUT_MS } from './settings.ts';
import type { SourcesProvider } from './source-cache.ts';
import type { Sources } from './sources.ts';

/** The SQS message size limit (body plus attribute names, types and values), bytes. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Default raw body limit: above real bodies (~450 KB), below API Gateway's 10 MB and Lambda's 6 MB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Validation issues ride in a message attribute; a misfit must not push its event over the SQS limit. */
export const MAX_VALIDATION_ISSUES_CHARS = 16 * 1024;
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** One request, as the handler decodes it from API Gateway (or the local server). */
export interface WebhookRequest {
  method: string;
  /** The `{source}` path parameter. */
  source: string | undefined;
  headers: Readonly<Record<string, string | undefined>> | undefined;
  query: Readonly<Record<string, string | undefined>> | undefined;
  body: string | undefined;
  isBase64Encoded: boolean;
  /** API Gateway's request id: the correlation id of log lines written before the event id is known. */
  requestId?: string | undefined;
}

/** What the ingest needs to know about payloads; the event registry provides it. */
export interface PayloadChecks {
  /** Whether a handled event's payload has the ids and key types its worker stores by (hot path). */
  keysFit(event: HandledEventName, payload: Record<string, unknown>): boolean;
  /** Why a payload failed `keysFit`, as readable issues (formatIssues JSON); off the hot path. */
  describeMisfit(event: HandledEventName, payload: Record<string, unknown>): Promise<string>;
  /** `account.id`, or `messages[].account_id` on older senders; null when the payload names none. */
  accountIdOf(payload: Record<string, unknown>): number | null;
}

export interface IngestDeps {
  /** Fixed sources, or a provider that reads them lazily (and may fail: then 503). */
  sources: Sources | SourcesProvider;
  /** Queue URL of route R is `${queueUrlPrefix}${R}` (infra/naming.ts). */
  queueUrlPrefix: string;
  gzipThresholdBytes: number;
  maxBodyBytes: number;
  sendMessage: SendMessage;
  /** Stores a spillover record; aborted (and abandoned) when `signal` fires at spilloverTimeoutMs. */
  putSpillover: (record: SpilloverRecord, signal: AbortSignal) => Promise<'stored' | 'duplicate'>;
  checks: PayloadChecks;
  now: () => Date;
  /** SQS attempts and back-offs; each attempt is aborted at its deadline. */
  sqsRetryBudget?: RetryBudget;
  /** The spillover write's whole time, ms. */
  spilloverTimeoutMs?: number;
  retryAfterSeconds?: number;
  /** Given the log keys, it may write the access log line itself: then it returns true. */
  recordOutcome?: (outcome: Outcome, logKeys?: Record<string, unknown>) => unknown;
}

const DELIVERY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
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

/** SQS size of a message; `bodyBytes` is known (raw bytes, or base64 which is ASCII). */
const messageBytes = (message: EncodedMessage, bodyBytes: number): number => {
  let size = bodyBytes;
  for (const [name, attribute] of Object.entries(message.attributes))
    size +=
      Buffer.byteLength(name, 'utf8') +
      Buffer.byteLength(attribute.DataType, 'utf8') +
      Buffer.byteLength(attribute.StringValue, 'utf8');
  return size;
};

/** Bounded, and free of what an SQS attribute may not hold (lone surrogates, control characters). */
/** The headers kept for `mhub event` (never the signature), each cut to 256 characters. */
const keptHeaders = (headers: WebhookRequest['headers']): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const name of keptHeaderNames) {
    const value = headerValue(headers, name);
    if (value !== undefined) kept[name] = value.slice(0, 256);
  }
  return kept;
};

const attributeText = (text: string, max: number): string => {
  const bounded = text.length <= max ? text : `${text.slice(0, max - 20)}… (truncated)`;
  return (bounded as string & { toWellFormed(): string })
    .toWellFormed()
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
};

type Route = { route: RouteName; status: 'accepted' | 'quarantined' | 'archived'; issues?: string };

/**
 * The whole ingest contract of design.md, behind injected side effects: authenticate, parse, route,
 * encode, send with a bounded retry, fall back to the spillover, and answer. Never answers 2xx before
 * the event is durable; answers 5xx only when SQS and the spillover both fail.
 */
export const handleWebhook = async (request: WebhookRequest, deps: IngestDeps): Promise<WebhookResponse> => {
  const record = deps.recordOutcome ?? recordOutcome;
  const reject = (
    statusCode: number,
    code: string,
    message: string,
    headers?: Record<string, string>,
  ): WebhookResponse => {
    record({ outcome: code, event: null, spilled: false });
    return rejection(statusCode, code, message, headers);
  };

  if (request.method.toUpperCase() !== 'POST')
    return reject(405, 'method_not_allowed', 'only POST is accepted', { allow: 'POST' });

  const headers = request.headers;
  // The correlation id of every log line about this request: the event id (below) once it is
  // known; before that the delivery id, or the request id API Gateway gave the request.
  const delivery = headerValue(headers, deliveryHeader)?.trim();
  const validDelivery = delivery !== undefined && DELIVERY_ID_PATTERN.test(delivery) ? delivery : undefined;
  // Log keys travel with each line (cheaper than the Logger's per-request key store).
  const logKeys: Record<string, unknown> = {
    source: request.source,
    correlation_id: validDelivery ?? request.requestId,
  };
  if (request.requestId !== undefined) logKeys.request_id = request.requestId;

  let sources: Sources;
  if (typeof deps.sources === 'function') {
    try {
      sources = await deps.sources();
    } catch (error) {
      logger.error('webhook sources unavailable; request refused with 503', {
        ...logKeys,
        error: describe(error),
        cause: describe((error as { cause?: unknown } | null)?.cause),
      });
      record({ outcome: 'unavailable', event: null, spilled: false });
      return jsonResponse(
        503,
        {
          status: 'unavailable',
          error: {
            code: 'unavailable',
            message: 'the webhook configuration could not be loaded; retry later',
          },
        },
        { 'retry-after': String(deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) },
      );
    }
  } else sources = deps.sources;

  const source = request.source === undefined ? undefined : sources.get(request.source);
  if (source === undefined || request.source === undefined)
    return reject(404, 'unknown_source', 'no such webhook source');

  const rawText = request.body ?? '';
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when the bound is not enough.
  const bodyBytes = request.isBase64Encoded
    ? Math.floor((rawText.length * 3) / 4)
    : rawText.length * 3 <= deps.maxBodyBytes
      ? rawText.length
      : Buffer.byteLength(rawText, 'utf8');
  if (bodyBytes > deps.maxBodyBytes)
    return reject(413, 'payload_too_large', `the body exceeds ${deps.maxBodyBytes} bytes`);

  if (!isJsonContentType(headerValue(headers, 'content-type')))
    return reject(415, 'unsupported_media_type', 'content-type must be application/json');

  // A text body is hashed as its own UTF-8 bytes; only a base64 body needs decoding into a Buffer.
  const rawBody: Buffer | string = request.isBase64Encoded ? Buffer.from(rawText, 'base64') : rawText;
  const nowDate = deps.now();
  const auth = authenticate(
    source,
    {
      headers: {
        [signatureHeader]: headerValue(headers, signatureHeader),
        [timestampHeader]: headerValue(headers, timestampHeader),
      },
      query: request.query ?? {},
      rawBody,
    },
    Math.floor(nowDate.getTime() / 1000),
  );
  if (!auth.ok) {
    logKeys.correlation_id = validDelivery ?? bodyHash(rawBody);
    logger.warn('webhook refused', { ...logKeys, reason: auth.reason });
    return reject(401, 'unauthorized', 'the request could not be authenticated');
  }

  let text: string;
  if (typeof rawBody !== 'string') {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(rawBody);
    } catch {
      return reject(400, 'invalid_encoding', 'the body is not UTF-8');
    }
  } else {
    text = rawText;
  }
  // One scan answers both questions: a body without surrogates or U+FFFE/U+FFFF is well-formed and
  // SQS-safe as text. Only bodies with such characters need the closer look.
  const textUnsafe = NOT_SQS_TEXT_SAFE_AFTER_PARSE.test(text);
  if (textUnsafe && typeof rawBody === 'string' && !isWellFormed(text))
    return reject(400, 'invalid_encoding', 'the body is not UTF-8');

  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return reject(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return reject(400, 'not_an_object', 'the body must be a JSON object');
  const body = payload as Record<string, unknown>;
  const event = body.event;
  if (typeof event !== 'string') return reject(400, 'missing_event', 'the body needs a string "event"');
  if (!(ASCII_EVENT_NAME.test(event) || EVENT_NAME_PATTERN.test(event)))
    return reject(400, 'invalid_event', '"event" must be 1-256 printable characters');

  const eventId = validDelivery ?? bodyHash(rawBody);
  const accountId = deps.checks.accountIdOf(body) ?? source.accountId;
  logKeys.correlation_id = eventId;
  logKeys.event = event;
  logKeys.account = accountId ?? undefined;
  logKeys.auth = auth.mode;

  let route: Route;
  if (isHandledEventName(event)) {
    route = deps.checks.keysFit(event, body)
      ? { route: routeOfEvent(event), status: 'accepted' }
      : {
          route: 'quarantine',
          status: 'quarantined',
          issues: attributeText(await deps.checks.describeMisfit(event, body), MAX_VALIDATION_ISSUES_CHARS),
        };
  } else route = { route: 'archive', status: 'archived' };

  const envelope: Envelope = {
    eventId,
    event,
    source: request.source,
    receivedAt: nowDate.toISOString(),
    senderTimestamp: auth.senderTimestamp,
    accountId,
    rawBody: text,
  };
  if (route.issues !== undefined) envelope.validationIssues = route.issues;
  envelope.headers = keptHeaders(headers);
  // JSON.parse accepted the text, so it holds no raw control characters; what SQS would still refuse
  // as text is U+FFFE/U+FFFF and, on fauxqs, any surrogate (emoji): those bodies go gzip+base64.
  const message = encodeEnvelope(envelope, textUnsafe ? 0 : deps.gzipThresholdBytes);
  const metricEvent = isHandledEventName(event) ? event : 'other';
  // Attributes stay under ~50 KB (event ≤ 256 chars, issues ≤ 16 K chars): count exactly only near the limit.
  const sentBytes = message.encoding === 'identity' ? text.length * 3 : message.body.length;
  const size =
    sentBytes + 64 * 1024 <= SQS_MAX_MESSAGE_BYTES
      ? sentBytes
      : messageBytes(
          message,
          message.encoding === 'identity' ? Buffer.byteLength(text, 'utf8') : message.body.length,
        );
  if (size > SQS_MAX_MESSAGE_BYTES) {
    logger.warn('webhook too large for SQS after compression', {
      ...logKeys,
      messageBytes: size,
      rawBytes: Buffer.byteLength(text, 'utf8'),
    });
    record({ outcome: 'message_too_large', event: metricEvent, spilled: false });
    return jsonResponse(413, {
      status: 'rejected',
      id: eventId,
      event,
      error: { code: 'message_too_large', message: 'the body is too large even after compression' },
    });
  }

  const url = queueUrl(deps.queueUrlPrefix, route.route);
  let spilled = false;
  try {
    await withRetry(
      (signal) => deps.sendMessage(url, message, signal),
      deps.sqsRetryBudget ?? DEFAULT_SQS_RETRY_BUDGET,
      undefined,
      'SQS SendMessage',
    );
  } catch (sendError) {
    logger.warn('SQS refused the event; writing it to the spillover', {
      ...logKeys,
      route: route.route,
      error: describe(sendError),
    });
    try {
      // Settled at the deadline even if the write ignores its signal: a hung DynamoDB must not hold
      // the answer. A write that lands after it is swept like any other (at least once, never half:
      // a multi-part record is one transaction).
      await withDeadline(
        deps.spilloverTimeoutMs ?? DEFAULT_SPILLOVER_TIMEOUT_MS,
        'spillover write',
        (signal) =>
          deps.putSpillover(
            { route: route.route, eventId, receivedAt: envelope.receivedAt, message },
            signal,
          ),
      );
      spilled = true;
    } catch (spillError) {
      logger.error('SQS and the spillover both failed; event refused with 503', {
        ...logKeys,
        route: route.route,
        error: describe(spillError),
      });
      record({ outcome: 'unavailable', event: metricEvent, spilled: false });
      const retryAfter = String(deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
      return jsonResponse(
        503,
        {
          status: 'unavailable',
          id: eventId,
          event,
          error: { code: 'unavailable', message: 'the event could not be stored; retry later' },
        },
        { 'retry-after': retryAfter },
      );
    }
  }
  logKeys.route = route.route;
  logKeys.spilled = spilled;
  if (route.status === 'quarantined') {
    record({ outcome: route.status, event: metricEvent, spilled });
    logger.warn('webhook quarantined', logKeys);
  } else if (
    record({ outcome: route.status, event: metricEvent, spilled }, logKeys) !== true &&
    infoLogsEnabled
  )
    logger.info('webhook accepted', logKeys);
  return jsonResponse(202, { status: route.status, id: eventId, event, ...(spilled ? { spilled } : {}) });
};

const bodyHash = (rawBody: Buffer | string): string => createHash('sha256').update(rawBody).digest('hex');

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
