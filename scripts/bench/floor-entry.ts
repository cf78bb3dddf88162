import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The cold-start floor: the least an SQS-forwarding Lambda can be. It imports only the SQS client,
 * builds it at module scope like the ingest does, and forwards the body. Bundled with the very
 * esbuild options of the real functions (scripts/build.ts).
 */
const sqs = new SQSClient({ maxAttempts: 1 });

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const payload = JSON.parse(event.body ?? '{}') as { event: string };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: `${process.env.QUEUE_URL_PREFIX}${payload.event}`,
      MessageBody: event.body,
    }),
  );
  return { statusCode: 202, body: '{"status":"accepted"}' };
};
