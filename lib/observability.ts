import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from './contracts/env.ts';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from './contracts/metrics.ts';

/**
 * The one Logger and the one Metrics of every function, configured here and imported everywhere.
 * Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE
 * (set in serverless.yml). Logs carry ids, never message contents.
 */
export const logger = new Logger({
  serviceName: process.env[POWERTOOLS_SERVICE_NAME] ?? DEFAULT_SERVICE_NAME,
});

export const metrics = new Metrics({
  namespace: process.env[POWERTOOLS_METRICS_NAMESPACE] ?? DEFAULT_METRICS_NAMESPACE,
  serviceName: process.env[POWERTOOLS_SERVICE_NAME] ?? DEFAULT_SERVICE_NAME,
});

/**
 * Whether INFO lines print, decided once at start-up (the level comes from the environment). Hot
 * paths check it before building a line: the Logger does work even for lines it then drops.
 */
export const infoLogsEnabled = ['TRACE', 'DEBUG', 'INFO'].includes(logger.getLevelName());

/**
 * Wraps a handler the way Powertools' `injectLambdaContext` does, without middy or a class
 * decorator: `logger.addContext(context)` puts `function_request_id`, `cold_start`,
 * `function_name`, `function_arn` and `function_memory_size` on every log line of the invocation
 * (https://docs.aws.amazon.com/powertools/typescript/latest/features/logger/#capturing-lambda-context-info).
 * An error that escapes the handler is logged with its message and stack (the Logger formats an
 * Error argument as `error: {name, message, stack, location}`) and rethrown, so Lambda still
 * counts the invocation as failed. Unit tests that call a handler without a context still work.
 */
export const withLambdaContext =
  <E, R>(handler: (event: E, context: Context) => Promise<R>) =>
  async (event: E, context?: Context): Promise<R> => {
    if (context !== undefined) logger.addContext(context);
    try {
      return await handler(event, context as Context);
    } catch (error) {
      logger.error('handler failed unexpectedly', error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  };
