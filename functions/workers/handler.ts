import { type HandledEventName, handledEventNames, type RouteName, routeOfEvent } from '#contracts/routes.ts';
import { dynamoDbClient } from '#functions/shared/dynamodb-client.ts';
import { withLambdaContext } from '#lib/observability.ts';
import { readWorkerConfig } from '#lib/workers/config.ts';
import { archiveWorker, eventWorker, quarantineWorker } from '#lib/workers/workers.ts';

/**
 * The SQS → DynamoDB worker of every route (lib/workers): partial batch failures, guarded writes.
 * One handler per route is generated from the event catalog: the build bundles, per route, an entry
 * that calls only that route's factory (`workerEntrySource` in infra/serverless/functions.ts), so a
 * bundle keeps only the code its route needs; the local stack calls `workerHandlerFor`.
 */

const setup = () => ({ dynamodb: dynamoDbClient, ...readWorkerConfig(process.env) });

/** The worker of one handled event type. */
export const eventWorkerHandler = (event: HandledEventName) => withLambdaContext(eventWorker(event, setup()));

/** The archive route's worker: stores events raw. */
export const archiveWorkerHandler = () => withLambdaContext(archiveWorker(setup()));

/** The quarantine route's worker: stores events raw. */
export const quarantineWorkerHandler = () => withLambdaContext(quarantineWorker(setup()));

/** Any route's worker (for the local stack; a deployed bundle binds its route at build time instead). */
export const workerHandlerFor = (route: RouteName) => {
  if (route === 'archive') return archiveWorkerHandler();
  if (route === 'quarantine') return quarantineWorkerHandler();
  const event = handledEventNames.find((name) => routeOfEvent(name) === route);
  if (event === undefined) throw new Error(`no worker for route ${route}`);
  return eventWorkerHandler(event);
};
