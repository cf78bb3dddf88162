import { createHash } from 'node:crypto';
import { DEFAULT_RETRY_AFTER_SECONDS } from '#contracts/limits.ts';
import { headerValue, jsonResponse, rejection, type WebhookResponse } from '#lib/ingest/http.ts';
import { type Outcome, recordOutcome } from '#lib/ingest/outcome.ts';
import { deliveryHeader } from '#lib/signing.ts';

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

/** A step's refusal: the answer to send as it is (its outcome is already recorded). */
export interface Refused {
  refused: WebhookResponse;
}

export const isRefused = (result: object): result is Refused => 'refused' in result;

/** What every step of one request shares: its log keys (they grow as the request is understood). */
export interface RequestContext {
  /** The `X-Chatwoot-Delivery` id, when it is a usable event id. */
  validDelivery: string | undefined;
  /** Log keys travel with each line (cheaper than the Logger's per-request key store). */
  logKeys: Record<string, unknown>;
  /** Given the log keys, it may write the access log line itself: then it returns true. */
  record: (outcome: Outcome, logKeys?: Record<string, unknown>) => unknown;
  retryAfterSeconds: number;
}

const DELIVERY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The context of one request. The correlation id of every log line about it is the event id once it
 * is known (parse step); before that the delivery id, or the request id API Gateway gave the request.
 */
export const requestContext = (
  request: WebhookRequest,
  options: {
    recordOutcome?: ((outcome: Outcome, logKeys?: Record<string, unknown>) => unknown) | undefined;
    retryAfterSeconds?: number | undefined;
  },
): RequestContext => {
  const delivery = headerValue(request.headers, deliveryHeader)?.trim();
  const validDelivery = delivery !== undefined && DELIVERY_ID_PATTERN.test(delivery) ? delivery : undefined;
  const logKeys: Record<string, unknown> = {
    source: request.source,
    correlation_id: validDelivery ?? request.requestId,
  };
  if (request.requestId !== undefined) logKeys.request_id = request.requestId;
  return {
    validDelivery,
    logKeys,
    record: options.recordOutcome ?? recordOutcome,
    retryAfterSeconds: options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
  };
};

/** A 4xx with the contract's `{status: 'rejected', error}` body, its outcome recorded. */
export const refuse = (
  ctx: RequestContext,
  statusCode: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Refused => {
  ctx.record({ outcome: code, event: null, spilled: false });
  return { refused: rejection(statusCode, code, message, headers) };
};

/** A 503 `unavailable` with `retry-after`, its outcome recorded. */
export const unavailable = (
  ctx: RequestContext,
  message: string,
  event?: { id: string; name: string; metricEvent: string },
): Refused => {
  ctx.record({ outcome: 'unavailable', event: event?.metricEvent ?? null, spilled: false });
  return {
    refused: jsonResponse(
      503,
      {
        status: 'unavailable',
        ...(event === undefined ? {} : { id: event.id, event: event.name }),
        error: { code: 'unavailable', message },
      },
      { 'retry-after': String(ctx.retryAfterSeconds) },
    ),
  };
};

/** The event id of a request without a usable delivery id: the SHA-256 of its exact bytes. */
export const bodyHash = (rawBody: Buffer | string): string =>
  createHash('sha256').update(rawBody).digest('hex');

/** An error for a log line: name and message, bounded. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
