import { gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_GZIP_THRESHOLD_BYTES } from '#contracts/limits.ts';
import { AppError } from '#lib/errors.ts';

/**
 * The envelope an accepted delivery travels in, from ingest through SQS (or the spillover record)
 * to its worker: the raw body exactly as received plus what the ingest learnt about it.
 * The body is never re-serialised: workers, the archive and replays all see the sender's bytes.
 */
export interface Envelope {
  /** `X-Chatwoot-Delivery`, else the SHA-256 hex of the raw body: drives deduplication downstream. */
  eventId: string;
  /** The payload's `event` string, as sent (also for archived and quarantined events). */
  event: string;
  /** The configured source (`/webhooks/{source}`) that received it. */
  source: string;
  /** ISO-8601 time the ingest received it. */
  receivedAt: string;
  /** ISO-8601 time of `X-Chatwoot-Timestamp`, or null for unsigned senders. */
  senderTimestamp: string | null;
  /** Account from the payload, else the source's configured account, else null. */
  accountId: number | null;
  /** The raw request body, UTF-8. */
  rawBody: string;
  /** For quarantined events: the validation issues, as readable JSON. */
  validationIssues?: string;
  /**
   * The request headers an operator needs to read an event back (`mhub event`), lower-cased:
   * delivery id, sender timestamp, user agent, content type. Never the signature.
   */
  headers?: Record<string, string>;
}

/** The request headers kept in the envelope (`Envelope.headers`). */
export const keptHeaderNames = [
  'x-chatwoot-delivery',
  'x-chatwoot-timestamp',
  'user-agent',
  'content-type',
] as const;

export type BodyEncoding = 'identity' | 'gzip+base64';

/** SQS message attribute names: shared by the ingest, the workers, the sweeper and the CLI. */
export const attributeNames = {
  event: 'event',
  source: 'source',
  eventId: 'eventId',
  receivedAt: 'receivedAt',
  senderTimestamp: 'senderTimestamp',
  accountId: 'accountId',
  encoding: 'encoding',
  validationIssues: 'validationIssues',
  headers: 'headers',
} as const;

/** SDK `SendMessage` shape (`StringValue`/`DataType`). */
export type OutgoingAttributes = Record<string, { DataType: 'String' | 'Number'; StringValue: string }>;
/** Lambda SQS record / SDK `ReceiveMessage` shapes, both accepted. */
export type IncomingAttributes = Record<
  string,
  { stringValue?: string | undefined; StringValue?: string | undefined; dataType?: string; DataType?: string }
>;

export interface EncodedMessage {
  body: string;
  attributes: OutgoingAttributes;
  encoding: BodyEncoding;
}

export { DEFAULT_GZIP_THRESHOLD_BYTES };

/** UTF-8 needs 1 to 3 bytes per UTF-16 unit: count bytes only when the length alone cannot tell. */
const utf8LengthExceeds = (text: string, limit: number): boolean =>
  text.length > limit || (text.length * 3 > limit && Buffer.byteLength(text, 'utf8') > limit);

/** Turn an envelope into an SQS message body and attributes, gzipping bodies above the threshold. */
export const encodeEnvelope = (
  envelope: Envelope,
  gzipThresholdBytes: number = DEFAULT_GZIP_THRESHOLD_BYTES,
): EncodedMessage => {
  const encoding: BodyEncoding = utf8LengthExceeds(envelope.rawBody, gzipThresholdBytes)
    ? 'gzip+base64'
    : 'identity';
  const body = encoding === 'identity' ? envelope.rawBody : gzipSync(envelope.rawBody).toString('base64');
  const attributes: OutgoingAttributes = {
    [attributeNames.event]: { DataType: 'String', StringValue: envelope.event },
    [attributeNames.source]: { DataType: 'String', StringValue: envelope.source },
    [attributeNames.eventId]: { DataType: 'String', StringValue: envelope.eventId },
    [attributeNames.receivedAt]: { DataType: 'String', StringValue: envelope.receivedAt },
    [attributeNames.encoding]: { DataType: 'String', StringValue: encoding },
  };
  if (envelope.senderTimestamp !== null) {
    attributes[attributeNames.senderTimestamp] = {
      DataType: 'String',
      StringValue: envelope.senderTimestamp,
    };
  }
  if (envelope.accountId !== null) {
    attributes[attributeNames.accountId] = { DataType: 'Number', StringValue: String(envelope.accountId) };
  }
  if (envelope.validationIssues !== undefined) {
    attributes[attributeNames.validationIssues] = {
      DataType: 'String',
      StringValue: envelope.validationIssues,
    };
  }
  if (envelope.headers !== undefined && Object.keys(envelope.headers).length > 0) {
    attributes[attributeNames.headers] = {
      DataType: 'String',
      StringValue: JSON.stringify(envelope.headers),
    };
  }
  return { body, attributes, encoding };
};

export class EnvelopeError extends AppError {
  override name = 'EnvelopeError';
}

const read = (attributes: IncomingAttributes, name: string): string | undefined => {
  const value = attributes[name];
  return value?.stringValue ?? value?.StringValue;
};

/** The inverse of `encodeEnvelope`, from a Lambda SQS record or an SDK message. Throws EnvelopeError. */
export const decodeEnvelope = (body: string, attributes: IncomingAttributes): Envelope => {
  const required = (name: string): string => {
    const value = read(attributes, name);
    if (value === undefined || value === '') throw new EnvelopeError(`message attribute ${name} is missing`);
    return value;
  };
  const encoding = read(attributes, attributeNames.encoding) ?? 'identity';
  let rawBody: string;
  if (encoding === 'identity') rawBody = body;
  else if (encoding === 'gzip+base64') rawBody = gunzipSync(Buffer.from(body, 'base64')).toString('utf8');
  else throw new EnvelopeError(`unknown body encoding ${encoding}`);
  const accountId = read(attributes, attributeNames.accountId);
  const envelope: Envelope = {
    eventId: required(attributeNames.eventId),
    event: required(attributeNames.event),
    source: required(attributeNames.source),
    receivedAt: required(attributeNames.receivedAt),
    senderTimestamp: read(attributes, attributeNames.senderTimestamp) ?? null,
    accountId: accountId === undefined ? null : Number(accountId),
    rawBody,
  };
  const issues = read(attributes, attributeNames.validationIssues);
  if (issues !== undefined) envelope.validationIssues = issues;
  const headers = read(attributes, attributeNames.headers);
  if (headers !== undefined) {
    try {
      envelope.headers = JSON.parse(headers) as Record<string, string>;
    } catch {
      // informational only: an unreadable copy never fails the event
    }
  }
  return envelope;
};
