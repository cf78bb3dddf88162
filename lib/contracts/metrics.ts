/**
 * The custom EMF metrics the code emits and the alarms and dashboard watch
 * (infra/serverless/observability.ts): one list, so a renamed metric cannot leave an alarm blind.
 */
export const metricNames = {
  /** Ingest, one per request; dimension outcome (lib/ingest/outcome.ts publishes only the sets alarms read). */
  webhooks: 'Webhooks',
  /** Ingest, when SQS refused and the spillover kept the event; no dimension besides service. */
  spilled: 'Spilled',
  /** Sweeper, per run. */
  spilloverMoved: 'SpilloverMoved',
  spilloverFailed: 'SpilloverFailed',
  spilloverIncomplete: 'SpilloverIncomplete',
  /** Reconciler, per run: facts the API had and the store lacked, i.e. webhooks that were lost. */
  repaired: 'Repaired',
  reconciledConversations: 'ReconciledConversations',
} as const;

/**
 * The workers' metrics (lib/workers/batch.ts), per record: dimensions event and, for Records,
 * outcome. A failure quarantine also counts as `Webhooks` with outcome `quarantined`, so the one
 * quarantine alarm sees it. Kept apart from metricNames so the ingest bundle carries neither list whole.
 */
export const workerMetricNames = {
  records: 'Records',
  writeUnits: 'WriteUnits',
  failureQuarantines: 'FailureQuarantines',
  endToEndLatency: 'EndToEndLatency',
} as const;

/** Dimension names the code adds to its metrics (Powertools adds `service` itself). */
export const metricDimensions = {
  outcome: 'outcome',
  event: 'event',
} as const;

/** The `outcome` dimension value of a quarantined event, which the quarantine alarm watches. */
export const quarantinedOutcome = 'quarantined';

/** Defaults of POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME when unset (tests, tools). */
export const DEFAULT_METRICS_NAMESPACE = 'MessageHubWebhooks';
export const DEFAULT_SERVICE_NAME = 'messagehub-webhooks';
