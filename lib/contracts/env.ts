/**
 * Environment variable names that infra/ sets on the functions and lib/ settings readers read.
 * One list, so the deployed configuration and the code cannot disagree on a spelling.
 */
export const envNames = {
  queueUrlPrefix: 'QUEUE_URL_PREFIX',
  tableName: 'TABLE_NAME',
  webhookSecrets: 'WEBHOOK_SECRETS',
  webhookSecretsParameter: 'WEBHOOK_SECRETS_PARAMETER',
  webhookSecretsTtlMs: 'WEBHOOK_SECRETS_TTL_MS',
  gzipThresholdBytes: 'GZIP_THRESHOLD_BYTES',
  maxBodyBytes: 'MAX_BODY_BYTES',
  sqsRetryBudgetMs: 'SQS_RETRY_BUDGET_MS',
  spilloverTimeoutMs: 'SPILLOVER_TIMEOUT_MS',
  sweepMaxRecords: 'SWEEP_MAX_RECORDS',
  rawEventTtlDays: 'RAW_EVENT_TTL_DAYS',
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  powertoolsLogLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

export type EnvName = (typeof envNames)[keyof typeof envNames];
