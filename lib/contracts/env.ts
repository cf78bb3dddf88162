/**
 * Environment variable names that infra/ sets on the functions and lib/ settings readers read.
 * One list, so the deployed configuration and the code cannot disagree on a spelling. Separate
 * constants (not one object) so a bundle carries only the names its function reads.
 */
export const QUEUE_URL_PREFIX = 'QUEUE_URL_PREFIX';
export const TABLE_NAME = 'TABLE_NAME';
export const WEBHOOK_SECRETS = 'WEBHOOK_SECRETS';
export const WEBHOOK_SECRETS_PARAMETER = 'WEBHOOK_SECRETS_PARAMETER';
export const WEBHOOK_SECRETS_TTL_MS = 'WEBHOOK_SECRETS_TTL_MS';
export const GZIP_THRESHOLD_BYTES = 'GZIP_THRESHOLD_BYTES';
export const MAX_BODY_BYTES = 'MAX_BODY_BYTES';
export const SQS_RETRY_BUDGET_MS = 'SQS_RETRY_BUDGET_MS';
export const SPILLOVER_TIMEOUT_MS = 'SPILLOVER_TIMEOUT_MS';
export const SWEEP_MAX_RECORDS = 'SWEEP_MAX_RECORDS';
export const RAW_EVENT_TTL_DAYS = 'RAW_EVENT_TTL_DAYS';
export const POWERTOOLS_SERVICE_NAME = 'POWERTOOLS_SERVICE_NAME';
export const POWERTOOLS_METRICS_NAMESPACE = 'POWERTOOLS_METRICS_NAMESPACE';
export const POWERTOOLS_LOG_LEVEL = 'POWERTOOLS_LOG_LEVEL';
