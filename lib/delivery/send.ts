import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EncodedMessage } from '#lib/events/envelope.ts';
import { type RetryBudget, withRetry } from './retry.ts';

/**
 * Sends one encoded envelope to a queue URL: one SDK attempt, aborted when `signal` fires (the
 * retry loop gives every attempt its own deadline).
 */
export type SendMessage = (queueUrl: string, message: EncodedMessage, signal?: AbortSignal) => Promise<void>;

/** The SQS adapter behind `SendMessage`, for the ingest, the spillover sweeper and the CLI. */
export const sqsSendMessage =
  (sqs: SQSClient): SendMessage =>
  async (queueUrl, message, signal) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageAttributes: message.attributes,
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
  };

/**
 * Budget of the sends that nobody waits on with a stopwatch (the sweeper, `mhub dlq redrive`,
 * `mhub replay`): more time than the ingest's, but every attempt still aborted at its deadline.
 */
export const REDRIVE_RETRY_BUDGET: RetryBudget = {
  totalMs: 5000,
  baseDelayMs: 50,
  maxDelayMs: 1000,
  attemptTimeoutMs: 2000,
};

/**
 * The one bounded delivery: `send` retried within `budget`, each attempt aborted at its deadline.
 * Throws the last error when the budget is spent or the error is not worth a retry.
 */
export const deliverMessage = (
  send: SendMessage,
  queueUrl: string,
  message: EncodedMessage,
  budget: RetryBudget,
): Promise<void> =>
  withRetry((signal) => send(queueUrl, message, signal), budget, undefined, 'SQS SendMessage');
