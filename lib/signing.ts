import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * The signing scheme of current Chatwoot senders (v4.12+): `X-Chatwoot-Signature: sha256=<hex>`,
 * HMAC-SHA256 with the webhook secret over `"{timestamp}.{raw body bytes}"`. Shared by the ingest
 * (verify) and the CLI (`mhub send`) so the two can never drift apart.
 */
export const signatureHeader = 'x-chatwoot-signature';
export const timestampHeader = 'x-chatwoot-timestamp';
export const deliveryHeader = 'x-chatwoot-delivery';

/**
 * HMAC-SHA256 of `"{timestamp}.{body}"`. A string body is hashed as its UTF-8 bytes, which are
 * exactly the bytes received when the body arrived as text (no copy into a Buffer first).
 */
export const signatureDigest = (secret: string, timestamp: string, rawBody: Buffer | string): Buffer => {
  return createHmac('sha256', secretKey(secret)).update(`${timestamp}.`).update(rawBody).digest();
};

/**
 * Secrets as KeyObjects, made once: HMAC set-up from a KeyObject is markedly cheaper than from a
 * string, and set-up dominates the cost of verifying a small body. Only configured secrets (and the
 * CLI's one) ever reach here, so the cache stays as small as the configuration.
 */
const keyObjects = new Map<string, KeyObject>();
const secretKey = (secret: string): KeyObject => {
  let key = keyObjects.get(secret);
  if (key === undefined) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keyObjects.set(secret, key);
  }
  return key;
};

/** Lowercase hex HMAC-SHA256 of `"{timestamp}.{body}"`, prefixed `sha256=`. */
export const signBody = (secret: string, timestamp: string, rawBody: Buffer | string): string =>
  `sha256=${signatureDigest(secret, timestamp, rawBody).toString('hex')}`;

/** Constant-time comparison of two strings (false on any length mismatch, without early exit on content). */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Compare against itself so a length mismatch costs the same as a content mismatch.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
};

/** Headers a signed delivery carries, as `mhub send` and the tests produce them. */
export const signedHeaders = (
  secret: string,
  rawBody: Buffer | string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Record<string, string> => {
  const timestamp = String(nowSeconds);
  return {
    'content-type': 'application/json',
    [timestampHeader]: timestamp,
    [signatureHeader]: signBody(secret, timestamp, rawBody),
  };
};
