import { metricDimensions, metricNames } from '#contracts/metrics.ts';
import { writeRequestLine } from '#lib/observability.ts';

/** One request's result, for metrics: `outcome` is a status (`accepted`…) or an error code. */
export interface Outcome {
  outcome: string;
  /** A handled event name, `other` for archived names (bounded cardinality), null before parsing. */
  event: string | null;
  spilled: boolean;
}

const webhooksMetric = { name: metricNames.webhooks, dimensions: [metricDimensions.outcome] } as const;
const spilledMetric = { name: metricNames.spilled, dimensions: [] } as const;

/**
 * Emits one line per request (lib/observability.ts `writeRequestLine`): the EMF record of `Webhooks`
 * by outcome, plus `Spilled` when SQS refused and the spillover kept the
 * event (alarm on both `quarantined` and `Spilled`), and, when the handler passes its log keys, the
 * access log line in the same JSON. Returns whether that line carried the access log.
 */
export const recordOutcome = (
  { outcome, event, spilled }: Outcome,
  logKeys?: Record<string, unknown>,
): boolean =>
  writeRequestLine(
    logKeys === undefined ? undefined : `webhook ${outcome}`,
    // `event` is the metric's (bounded) dimension value; an archived name it folds is kept beside it.
    {
      ...logKeys,
      ...(logKeys?.event !== undefined && logKeys.event !== event ? { event_name: logKeys.event } : {}),
      outcome,
      event: event ?? 'none',
    },
    // Only the dimension sets the alarms and the dashboard read (Metrics Insights sums over the rest,
    // infra/serverless/observability.ts): each published set is a custom metric billed monthly, and
    // an `event` dimension multiplied them by the event types. The line still carries `event` for
    // Logs Insights.
    spilled ? [webhooksMetric, spilledMetric] : [webhooksMetric],
  );
