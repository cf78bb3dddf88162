import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricDimensions, metricNames } from '../contracts/metrics.ts';
import { metrics } from '../observability.ts';

/** One request's result, for metrics: `outcome` is a status (`accepted`…) or an error code. */
export interface Outcome {
  outcome: string;
  /** A handled event name, `other` for archived names (bounded cardinality), null before parsing. */
  event: string | null;
  spilled: boolean;
}

/**
 * Emits one EMF metric line per request: `Webhooks` by outcome and event type, plus `Spilled` when
 * SQS refused and the spillover kept the event (alarm on both `quarantined` and `Spilled`). Uses the
 * one shared Metrics instance and flushes at once: `singleMetric()` would build a new instance (and
 * re-read its settings) on every request.
 */
export const recordOutcome = ({ outcome, event, spilled }: Outcome): void => {
  metrics.addDimensions({ [metricDimensions.outcome]: outcome, [metricDimensions.event]: event ?? 'none' });
  metrics.addMetric(metricNames.webhooks, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  if (spilled) {
    metrics.addDimensions({ [metricDimensions.event]: event ?? 'none' });
    metrics.addMetric(metricNames.spilled, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  }
};
