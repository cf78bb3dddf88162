import { SQS_MAX_MESSAGE_BYTES } from '#contracts/limits.ts';
import { queueUrl } from '#contracts/naming.ts';
import { type DeliverOrSpillDeps, deliverOrSpill } from '#lib/delivery/deliver-or-spill.ts';
import type { RetryBudget } from '#lib/delivery/retry.ts';
import type { SendMessage } from '#lib/delivery/send.ts';
import { type EncodedMessage, type Envelope, encodeEnvelope, keptHeaderNames } from '#lib/events/envelope.ts';
import { headerValue, jsonResponse } from '#lib/ingest/http.ts';
import { logger } from '#lib/observability.ts';
import type { Authenticated } from './authenticate-request.ts';
import {
  describeError,
  type Refused,
  type RequestContext,
  unavailable,
  type WebhookRequest,
} from './context.ts';
import type { ParsedWebhook } from './parse-webhook.ts';
import { metricEventOf, type Route } from './route.ts';

export interface DeliverDeps {
  /** Queue URL of route R is `${queueUrlPrefix}${R}` (lib/contracts/naming.ts). */
  queueUrlPrefix: string;
  gzipThresholdBytes: number;
  sendMessage: SendMessage;
  putSpillover: DeliverOrSpillDeps['putSpillover'];
  sqsRetryBudget?: RetryBudget | undefined;
  spilloverTimeoutMs?: number | undefined;
}

/** Everything the earlier steps learned about one event. */
export interface EventToDeliver {
  request: WebhookRequest;
  sourceName: string;
  receivedAt: Date;
  auth: Authenticated;
  parsed: ParsedWebhook;
  accountId: number | null;
  route: Route;
}

/** The headers kept for `mhub event` (never the signature), each cut to 256 characters. */
const keptHeaders = (headers: WebhookRequest['headers']): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const name of keptHeaderNames) {
    const value = headerValue(headers, name);
    if (value !== undefined) kept[name] = value.slice(0, 256);
  }
  return kept;
};

/** The envelope of an accepted event: ids, times, account, exact body and kept headers. */
export const envelopeOf = (event: EventToDeliver): Envelope => {
  const envelope: Envelope = {
    eventId: event.parsed.eventId,
    event: event.parsed.event,
    source: event.sourceName,
    receivedAt: event.receivedAt.toISOString(),
    senderTimestamp: event.auth.senderTimestamp,
    accountId: event.accountId,
    rawBody: event.parsed.text,
  };
  if (event.route.issues !== undefined) envelope.validationIssues = event.route.issues;
  envelope.headers = keptHeaders(event.request.headers);
  return envelope;
};

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

/** The size SQS counts; attributes stay under ~50 KB, so it counts exactly only near the limit. */
export const sqsSizeOf = (message: EncodedMessage, text: string): number => {
  const sentBytes = message.encoding === 'identity' ? text.length * 3 : message.body.length;
  return sentBytes + 64 * 1024 <= SQS_MAX_MESSAGE_BYTES
    ? sentBytes
    : messageBytes(
        message,
        message.encoding === 'identity' ? Buffer.byteLength(text, 'utf8') : message.body.length,
      );
};

/**
 * Step 5, deliver: encode the envelope (413 when it is too large for SQS even compressed), send it
 * to its route's queue within the retry budget, else park it in the spillover; 503 only when both
 * failed. Resolves `{ spilled }` once the event is durable.
 */
export const deliverEvent = (
  event: EventToDeliver,
  deps: DeliverDeps,
  ctx: RequestContext,
): Refused | Promise<{ spilled: boolean } | Refused> => {
  const { parsed, route } = event;
  const envelope = envelopeOf(event);
  // JSON.parse accepted the text, so it holds no raw control characters; what SQS would still refuse
  // as text is U+FFFE/U+FFFF and, on fauxqs, any surrogate (emoji): those bodies go gzip+base64.
  const message = encodeEnvelope(envelope, parsed.textUnsafe ? 0 : deps.gzipThresholdBytes);
  const metricEvent = metricEventOf(parsed.event);
  const size = sqsSizeOf(message, parsed.text);
  if (size > SQS_MAX_MESSAGE_BYTES) {
    logger.warn('webhook too large for SQS after compression', {
      ...ctx.logKeys,
      messageBytes: size,
      rawBytes: Buffer.byteLength(parsed.text, 'utf8'),
    });
    ctx.record({ outcome: 'message_too_large', event: metricEvent, spilled: false });
    return {
      refused: jsonResponse(413, {
        status: 'rejected',
        id: parsed.eventId,
        event: parsed.event,
        error: { code: 'message_too_large', message: 'the body is too large even after compression' },
      }),
    };
  }
  const record = { route: route.route, eventId: parsed.eventId, receivedAt: envelope.receivedAt, message };
  return deliverOrSpill(queueUrl(deps.queueUrlPrefix, route.route), record, deps, (sendError) =>
    logger.warn('SQS refused the event; writing it to the spillover', {
      ...ctx.logKeys,
      route: route.route,
      error: describeError(sendError),
    }),
  ).catch((spillError: unknown) => {
    logger.error('SQS and the spillover both failed; event refused with 503', {
      ...ctx.logKeys,
      route: route.route,
      error: describeError(spillError),
    });
    return unavailable(ctx, 'the event could not be stored; retry later', {
      id: parsed.eventId,
      name: parsed.event,
      metricEvent,
    });
  });
};
