import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleWebhook } from '#lib/ingest/handle-webhook.ts';
import { jsonResponse } from '#lib/ingest/http.ts';
import { logger, withLambdaContext } from '#lib/observability.ts';
import { deliveryHeader } from '#lib/signing.ts';
import { ingestDeps } from './side-effects.ts';

/** `ANY /webhooks/{source}` (HTTP API, payload v2): decode, run the ingest contract, answer. */
const handleRequest = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return await handleWebhook(
      {
        method: event.requestContext.http.method,
        source: event.pathParameters?.source,
        headers: event.headers,
        query: event.queryStringParameters,
        body: event.body,
        isBase64Encoded: event.isBase64Encoded,
        requestId: event.requestContext?.requestId,
      },
      ingestDeps,
    );
  } catch (error) {
    // A bug, not client input: still answer in the contract's shape, and log what it was (message
    // and stack; the Logger formats an Error) with the request's correlation id.
    // Not validated yet (the crash may precede it): bounded, so a hostile header cannot flood the log.
    const delivery = event.headers?.[deliveryHeader]?.slice(0, 128);
    logger.error('ingest failed unexpectedly', {
      correlation_id: delivery ?? event.requestContext?.requestId,
      request_id: event.requestContext?.requestId,
      error: error instanceof Error ? error : new Error(String(error)),
    });
    return jsonResponse(500, { status: 'error', error: { code: 'internal', message: 'internal error' } });
  }
};

export const handler = withLambdaContext(handleRequest);
