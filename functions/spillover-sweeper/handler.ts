import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { metricNames } from '#contracts/metrics.ts';
import { dynamoDbClient } from '#functions/shared/dynamodb-client.ts';
import { sqsClient } from '#functions/shared/sqs-client.ts';
import { sqsSendMessage } from '#lib/delivery/send.ts';
import { type SweepResult, sweepSpillover } from '#lib/delivery/sweep.ts';
import { readSweeperSettings } from '#lib/delivery/sweeper-settings.ts';
import { logger, metrics, withLambdaContext } from '#lib/observability.ts';

const settings = readSweeperSettings(process.env);
/** Stop taking new pages with this much of the Lambda timeout left. */
const SAFETY_MARGIN_MS = 15_000;

/** Scheduled: moves spillover records onto their queues, then deletes them. */
const sweep = async (_event: ScheduledEvent, context?: Context): Promise<SweepResult> => {
  const result = await sweepSpillover({
    store: { dynamodb: dynamoDbClient, tableName: settings.tableName },
    sendMessage: sqsSendMessage(sqsClient),
    queueUrlPrefix: settings.queueUrlPrefix,
    maxRecords: settings.maxRecords,
    shouldStop: () => (context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY) < SAFETY_MARGIN_MS,
  });
  metrics.addMetric(metricNames.spilloverMoved, MetricUnit.Count, result.moved);
  metrics.addMetric(metricNames.spilloverFailed, MetricUnit.Count, result.failed);
  metrics.addMetric(metricNames.spilloverIncomplete, MetricUnit.Count, result.incomplete);
  metrics.publishStoredMetrics();
  if (result.moved + result.failed + result.incomplete > 0)
    logger.info('spillover sweep finished', { ...result });
  return result;
};

export const handler = withLambdaContext(sweep);
