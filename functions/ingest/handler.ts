import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleWebhook } from '../../lib/ingest/handle-webhook.ts';
import { jsonResponse } from '../../lib/ingest/http.ts';
import { logger, withLambdaContext } from '../../lib/observability.ts';
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
      },
      ingestDeps,
    );
  } catch (error) {
    // A bug, not client input: still answer in the contract's shape.
    logger.error('ingest failed unexpectedly', error instanceof Error ? error : new Error(String(error)));
    return jsonResponse(500, { status: 'error', error: { code: 'internal', message: 'internal error' } });
  }
};

export const handler = withLambdaContext(handleRequest);
