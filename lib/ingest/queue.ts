import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EncodedMessage } from '../events/envelope.ts';

/** Sends one encoded envelope to a queue URL: one SDK attempt, bounded by the client's own timeouts. */
export type SendMessage = (queueUrl: string, message: EncodedMessage) => Promise<void>;

/** The SQS adapter behind `SendMessage`, for the ingest and the spillover sweeper. */
export const sqsSendMessage =
  (sqs: SQSClient): SendMessage =>
  async (queueUrl, message) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageAttributes: message.attributes,
      }),
    );
  };
