import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one Logger and the one Metrics of every function, configured here and imported everywhere.
 * Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE
 * (set in serverless.yml). Logs carry ids, never message contents.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'messagehub-webhooks',
});

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MessageHubWebhooks',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'messagehub-webhooks',
});

/**
 * Whether INFO lines print, decided once at start-up (the level comes from the environment). Hot
 * paths check it before building a line: the Logger does work even for lines it then drops.
 */
export const infoLogsEnabled = ['TRACE', 'DEBUG', 'INFO'].includes(logger.getLevelName());
