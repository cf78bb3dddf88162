import { MetricUnit } from '@aws-lambda-powertools/metrics';
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
 * SQS refused and the spillover kept the event (alarm on both `quarantined` and `Spilled`).
 */
export const recordOutcome = ({ outcome, event, spilled }: Outcome): void => {
  const single = metrics.singleMetric();
  single.addDimensions({ outcome, event: event ?? 'none' });
  single.addMetric('Webhooks', MetricUnit.Count, 1);
  if (spilled) {
    const spill = metrics.singleMetric();
    spill.addDimensions({ event: event ?? 'none' });
    spill.addMetric('Spilled', MetricUnit.Count, 1);
  }
};
