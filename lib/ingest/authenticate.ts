import { timingSafeEqual } from 'node:crypto';
import { constantTimeEqual, signatureDigest, signatureHeader, timestampHeader } from '#lib/signing.ts';
import type { SourceConfig } from './sources.ts';

/** How far `X-Chatwoot-Timestamp` may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The query parameter that carries the URL token of senders that cannot sign. */
export const TOKEN_QUERY_PARAMETER = 'token';

/**
 * Why a request was refused. Logged for operators; the client only ever sees `unauthorized`,
 * so a prober learns nothing about which part was wrong.
 */
export type AuthFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_signature'
  | 'no_secret_configured'
  | 'bad_token';

export type AuthResult =
  | { ok: true; mode: 'signature'; senderTimestamp: string }
  | { ok: true; mode: 'token'; senderTimestamp: null }
  | { ok: false; reason: AuthFailure };

export interface AuthRequest {
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  /**
   * The exact bytes the sender sent: a Buffer when API Gateway base64-encoded them, else the text
   * itself (its UTF-8 encoding is the received bytes).
   */
  rawBody: Buffer | string;
}

const SIGNATURE_PREFIX = 'sha256=';
const SIGNATURE_PATTERN = /^sha256=[0-9a-fA-F]{64}$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;

/** True when any candidate equals the presented value; never stops early, so timing leaks no index (tokens). */
const anyEqual = (candidates: readonly string[], presented: string): boolean => {
  let matched = false;
  for (const candidate of candidates) {
    if (constantTimeEqual(candidate, presented)) matched = true;
  }
  return matched;
};

/**
 * Authenticates one delivery for a configured source.
 *
 * - A request that carries `X-Chatwoot-Signature` must verify by signature: HMAC-SHA256 over
 *   `"{timestamp}.{raw bytes}"` with any of the source's secrets (rotation), the timestamp within
 *   ±300 s of `nowSeconds`. It never falls back to the token, so a broken signature is never masked.
 * - Otherwise, a source configured with a token accepts `?token=` equal (constant-time) to one of its
 *   tokens. Automation and macro webhooks go out unsigned; this is their only way in.
 * - Anything else is refused.
 */
export const authenticate = (source: SourceConfig, request: AuthRequest, nowSeconds: number): AuthResult => {
  const signature = request.headers[signatureHeader];
  if (signature === undefined && source.tokens.length > 0) {
    const token = request.query[TOKEN_QUERY_PARAMETER];
    if (token === undefined || !anyEqual(source.tokens, token)) return { ok: false, reason: 'bad_token' };
    return { ok: true, mode: 'token', senderTimestamp: null };
  }
  if (signature === undefined) return { ok: false, reason: 'missing_signature' };
  const trimmedSignature = signature.trim();
  if (!SIGNATURE_PATTERN.test(trimmedSignature)) return { ok: false, reason: 'malformed_signature' };
  const timestamp = request.headers[timestampHeader]?.trim();
  if (timestamp === undefined || timestamp === '') return { ok: false, reason: 'missing_timestamp' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  const seconds = Number(timestamp);
  if (seconds < nowSeconds - SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  if (seconds > nowSeconds + SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'future_timestamp' };
  if (source.secrets.length === 0) return { ok: false, reason: 'no_secret_configured' };
  // 64 hex characters (checked above) decode to exactly the 32 digest bytes; compare bytes, not hex.
  const presented = Buffer.from(trimmedSignature.slice(SIGNATURE_PREFIX.length), 'hex');
  let matched = false;
  for (const secret of source.secrets) {
    if (timingSafeEqual(signatureDigest(secret, timestamp, request.rawBody), presented)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'bad_signature' };
  return { ok: true, mode: 'signature', senderTimestamp: new Date(seconds * 1000).toISOString() };
};
