import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EncodedMessage } from '../events/envelope.ts';

/** Sends one encoded envelope to a queue URL: one SDK attempt, cut short by `signal`. */
export type SendMessage = (queueUrl: string, message: EncodedMessage, signal?: AbortSignal) => Promise<void>;

/** The SQS adapter behind `SendMessage`, for the ingest and the spillover sweeper. */
export const sqsSendMessage =
  (sqs: SQSClient): SendMessage =>
  async (queueUrl, message, signal) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageAttributes: message.attributes,
      }),
      { abortSignal: signal },
    );
  };
