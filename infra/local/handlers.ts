import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { RouteName } from '#contracts/routes.ts';
import { LOCAL_REGION } from './clients.ts';
import { StackStartError } from './start-error.ts';
import { repoRoot } from './state.ts';

/**
 * The real function handlers (functions/), loaded into this process with the settings serverless.yml
 * gives them on AWS.
 */

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2<unknown>>;
export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

const functionsDir = join(repoRoot, 'functions');
export const handlerPath = (name: string): string => join(functionsDir, name, 'handler.ts');

/** A function's `handler` export, or undefined when the function has no handler file. */
export const importHandler = async <T>(name: string): Promise<T | undefined> => {
  const file = handlerPath(name);
  if (!existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { handler?: T };
  if (typeof module.handler !== 'function') throw new StackStartError(`${file} exports no handler function`);
  return module.handler;
};

/** The worker handler module (one handler per route, generated from the catalog), or undefined when absent. */
export const importWorkers = async (): Promise<
  { workerHandlerFor: (route: RouteName) => (...args: never[]) => Promise<unknown> } | undefined
> => {
  const file = join(functionsDir, 'workers', 'handler.ts');
  if (!existsSync(file)) return undefined;
  return (await import(pathToFileURL(file).href)) as {
    workerHandlerFor: (route: RouteName) => (...args: never[]) => Promise<unknown>;
  };
};

export interface HandlerEnvironment {
  sqsEndpoint: string;
  dynamoEndpoint: string;
  queueUrlPrefix: string;
  tableName: string;
  webhookSecretsJson: string;
  stage: string;
  quiet: boolean;
}

/** Handlers read their settings at module scope, so a process can host one stack's endpoints only. */
let loadedFor: string | undefined;

/** Sets the handlers' environment; call before importing them. */
export const setHandlerEnvironment = (settings: HandlerEnvironment): void => {
  const key = `${settings.dynamoEndpoint} ${settings.sqsEndpoint} ${settings.tableName} ${settings.webhookSecretsJson}`;
  if (loadedFor !== undefined && loadedFor !== key)
    throw new StackStartError(
      'one local stack per process: its handlers are already loaded for another stack',
    );
  loadedFor = key;
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: settings.sqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: settings.dynamoEndpoint,
    QUEUE_URL_PREFIX: settings.queueUrlPrefix,
    TABLE_NAME: settings.tableName,
    WEBHOOK_SECRETS: settings.webhookSecretsJson,
    STAGE: settings.stage,
  });
  process.env.POWERTOOLS_SERVICE_NAME ??= 'messagehub-webhooks';
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'MessageHubWebhooks';
  // EMF metric blobs on stdout are noise on a laptop; warnings and errors still show.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  if (settings.quiet) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  else process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
};
