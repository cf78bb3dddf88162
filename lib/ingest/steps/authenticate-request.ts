import { type AuthResult, authenticate } from '#lib/ingest/authenticate.ts';
import { headerValue } from '#lib/ingest/http.ts';
import { logger } from '#lib/observability.ts';
import { signatureHeader, timestampHeader } from '#lib/signing.ts';
import { bodyHash, type Refused, type RequestContext, refuse, type WebhookRequest } from './context.ts';
import type { ReadRequest } from './read-request.ts';

export type Authenticated = Extract<AuthResult, { ok: true }>;

/**
 * Step 2, authenticate: the source's signature (or URL token) over the exact bytes, at `now`.
 * A refusal is a bare 401 for the client; the reason goes to the log only.
 */
export const authenticateRequest = (
  request: WebhookRequest,
  read: ReadRequest,
  now: Date,
  ctx: RequestContext,
): Authenticated | Refused => {
  const auth = authenticate(
    read.source,
    {
      headers: {
        [signatureHeader]: headerValue(request.headers, signatureHeader),
        [timestampHeader]: headerValue(request.headers, timestampHeader),
      },
      query: request.query ?? {},
      rawBody: read.rawBody,
    },
    Math.floor(now.getTime() / 1000),
  );
  if (auth.ok) return auth;
  ctx.logKeys.correlation_id = ctx.validDelivery ?? bodyHash(read.rawBody);
  logger.warn('webhook refused', { ...ctx.logKeys, reason: auth.reason });
  return refuse(ctx, 401, 'unauthorized', 'the request could not be authenticated');
};
