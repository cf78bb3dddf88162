import { headerValue, isJsonContentType } from '#lib/ingest/http.ts';
import type { SourcesProvider } from '#lib/ingest/source-cache.ts';
import type { SourceConfig, Sources } from '#lib/ingest/sources.ts';
import { logger } from '#lib/observability.ts';
import {
  describeError,
  isRefused,
  type Refused,
  type RequestContext,
  refuse,
  unavailable,
  type WebhookRequest,
} from './context.ts';

/** A request worth authenticating: a POST to a known source, of JSON within the size limit. */
export interface ReadRequest {
  sourceName: string;
  source: SourceConfig;
  /** The body as it arrived (base64 text when `isBase64Encoded`). */
  rawText: string;
  /** The exact bytes the sender sent: a text body is its own UTF-8 bytes, only base64 is decoded. */
  rawBody: Buffer | string;
}

export interface ReadRequestDeps {
  /** Fixed sources, or a provider that reads them lazily (and may fail: then 503). */
  sources: Sources | SourcesProvider;
  maxBodyBytes: number;
}

const loadSources = async (sources: SourcesProvider, ctx: RequestContext): Promise<Sources | Refused> => {
  try {
    return await sources();
  } catch (error) {
    logger.error('webhook sources unavailable; request refused with 503', {
      ...ctx.logKeys,
      error: describeError(error),
      cause: describeError((error as { cause?: unknown } | null)?.cause),
    });
    return unavailable(ctx, 'the webhook configuration could not be loaded; retry later');
  }
};

/** UTF-8 takes at most 3 bytes per UTF-16 unit: counts exactly only when that bound is not enough. */
const bodyByteLength = (request: WebhookRequest, rawText: string, maxBodyBytes: number): number =>
  request.isBase64Encoded
    ? Math.floor((rawText.length * 3) / 4)
    : rawText.length * 3 <= maxBodyBytes
      ? rawText.length
      : Buffer.byteLength(rawText, 'utf8');

/**
 * Step 1, read the request: the method (405), the source (503 when the sources cannot be loaded,
 * 404 when unknown), the body size (413) and the media type (415), in that order. Synchronous unless
 * the sources are read lazily: the hot path pays for no promise it does not need.
 */
export const readRequest = (
  request: WebhookRequest,
  deps: ReadRequestDeps,
  ctx: RequestContext,
): ReadRequest | Refused | Promise<ReadRequest | Refused> => {
  if (request.method.toUpperCase() !== 'POST')
    return refuse(ctx, 405, 'method_not_allowed', 'only POST is accepted', { allow: 'POST' });
  if (typeof deps.sources !== 'function') return readFrom(deps.sources, request, deps.maxBodyBytes, ctx);
  return loadSources(deps.sources, ctx).then((sources) =>
    isRefused(sources) ? sources : readFrom(sources, request, deps.maxBodyBytes, ctx),
  );
};

const readFrom = (
  sources: Sources,
  request: WebhookRequest,
  maxBodyBytes: number,
  ctx: RequestContext,
): ReadRequest | Refused => {
  const source = request.source === undefined ? undefined : sources.get(request.source);
  if (source === undefined || request.source === undefined)
    return refuse(ctx, 404, 'unknown_source', 'no such webhook source');
  const rawText = request.body ?? '';
  if (bodyByteLength(request, rawText, maxBodyBytes) > maxBodyBytes)
    return refuse(ctx, 413, 'payload_too_large', `the body exceeds ${maxBodyBytes} bytes`);
  if (!isJsonContentType(headerValue(request.headers, 'content-type')))
    return refuse(ctx, 415, 'unsupported_media_type', 'content-type must be application/json');
  const rawBody = request.isBase64Encoded ? Buffer.from(rawText, 'base64') : rawText;
  return { sourceName: request.source, source, rawText, rawBody };
};
