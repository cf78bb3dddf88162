import type { RouteName } from './routes.ts';

/**
 * Resource names shared by serverless.yml (through infra/serverless.ts), the runtime code and the
 * local stack. Queue URLs are `${QUEUE_URL_PREFIX}${route}`, so one environment variable serves
 * every route and adding an event never adds configuration.
 */
export const serviceName = 'messagehub-webhooks';

/** `mhub-prod-` style prefix for every queue of a stage. */
export const queueNamePrefix = (stage: string): string => `${serviceName}-${stage}-`;

export const queueName = (stage: string, route: RouteName): string => `${queueNamePrefix(stage)}${route}`;
export const deadLetterQueueName = (stage: string, route: RouteName): string =>
  `${queueName(stage, route)}-dlq`;

export const tableName = (stage: string): string => `${serviceName}-${stage}`;

/** The URL of a route's queue, given the stage's `QUEUE_URL_PREFIX`. */
export const queueUrl = (prefix: string, route: RouteName): string => `${prefix}${route}`;

/** A deployed Lambda's name (`<service>-<stage>-<suffix>`); AWS caps it at 64 characters. */
export const functionName = (stage: string, suffix: string): string => `${serviceName}-${stage}-${suffix}`;
