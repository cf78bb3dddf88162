import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { dynamoDbClient } from '#functions/shared/dynamodb-client.ts';
import { fetchParameterViaExtension } from '#lib/ingest/settings.ts';
import { logger, metrics, withLambdaContext } from '#lib/observability.ts';
import { parseApiSources } from '#lib/reconcile/api-config.ts';
import { runReconciler } from './run.ts';

// Read once per container: TABLE_NAME, and the secrets JSON inline (local) or its SSM parameter,
// read through the Parameters and Secrets extension (only during INVOKE, as in the ingest).
const tableName = process.env.TABLE_NAME ?? '';
if (tableName === '') throw new Error('TABLE_NAME is not set');
const inline = process.env.WEBHOOK_SECRETS;
const parameter = process.env.WEBHOOK_SECRETS_PARAMETER;

/** Scheduled (EventBridge, off unless the stage enables it): repairs what lost webhooks left out. */
const reconcileScheduled = async (_event: ScheduledEvent, context?: Context) => {
  const runs = await runReconciler({
    store: { dynamodb: dynamoDbClient, tableName },
    apis: async () =>
      parseApiSources(
        inline ??
          (await fetchParameterViaExtension(parameter ?? '', {
            fetch,
            sessionToken: process.env.AWS_SESSION_TOKEN,
            port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
          })),
      ),
    fetch: (input, init) => fetch(input, init),
    // `service` dimension only, so the alarm on Repaired (infra/serverless/observability.ts) sums every source.
    emit: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
    remainingMs: () => context?.getRemainingTimeInMillis() ?? 60_000,
  });
  // Several sources in one flush: EMF carries the values as a list, and Sum adds them.
  metrics.publishStoredMetrics();
  for (const run of runs)
    logger.info('reconciled', { source: run.source, account: run.accountId, ...run.summary });
  return runs.map((run) => ({ source: run.source, ...run.summary }));
};

export const handler = withLambdaContext(reconcileScheduled);
