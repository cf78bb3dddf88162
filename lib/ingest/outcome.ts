import { writeRequestLine } from '../observability.ts';

/** One request's result, for metrics: `outcome` is a status (`accepted`…) or an error code. */
export interface Outcome {
  outcome: string;
  /** A handled event name, `other` for archived names (bounded cardinality), null before parsing. */
  event: string | null;
  spilled: boolean;
}

/**
 * Emits one line per request (lib/observability.ts `writeRequestLine`): the EMF record of `Webhooks`
 * by outcome and event type, plus `Spilled` by event when SQS refused and the spillover kept the
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
    spilled
      ? [
          { name: 'Webhooks', dimensions: ['outcome', 'event'] },
          { name: 'Spilled', dimensions: ['event'] },
        ]
      : [{ name: 'Webhooks', dimensions: ['outcome', 'event'] }],
  );
